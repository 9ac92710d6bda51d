"""The similarity page: what a score means, the pairs ranked, each pair side by side."""

SIMILARITY = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Parecido entre entregas · {{ assignment }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 90rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: .8rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.n { text-align: right; white-space: nowrap; }
.flag { background: #fde2e1; color: #8a1f17; padding: 0 .4rem; border-radius: .3rem;
        font-weight: 600; }
.note { background: #f6f6f2; border-left: 4px solid #b8a; padding: .5rem 1rem; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; margin: .3rem 0 1rem; }
.side > div { min-width: 0; }
pre { margin: 0 0 .5rem; padding: .4rem; background: #fafafa; border: 1px solid #e5e5e5;
      overflow-x: auto; font-size: .82rem; line-height: 1.3; }
pre span { display: block; min-height: 1.1em; white-space: pre; }
pre span.hit { background: #ffe08a; }
.prose { white-space: pre-wrap; padding: .4rem; background: #fafafa; border: 1px solid #e5e5e5;
         margin: 0 0 .5rem; font-size: .9rem; }
.prose mark { background: #ffe08a; }
h3 small, h4 small { font-weight: normal; color: #555; }
.empty { color: #777; font-style: italic; }
</style>
</head>
<body>
<h1>Parecido entre entregas · {{ assignment }}</h1>
<p>{{ course }} · generado el {{ generated }} · {{ result.compared }} entregas comparadas
{%- if result.earlier %} y {{ result.earlier }} cuadernos de cursos anteriores
({{ result.against | join(", ") }}){% endif %} en {{ "%.1f" | format(result.seconds) }} s
({{ result.scored }} parejas comparten huellas y se puntuaron).</p>

<div class="note">
<p><strong>Qué significa la puntuación.</strong> Para cada estudiante se toma solo su trabajo:
las celdas de respuesta (código y respuestas escritas) y las que añadió; el código de partida y el
texto del enunciado no cuentan nunca. El código se compara por huellas (<em>winnowing</em> sobre
fragmentos de {{ methods.code.k }} caracteres de código normalizado, el método de MOSS): los
nombres de variables, funciones y clases, los comentarios, los <em>docstrings</em> y el formato no
cambian las huellas, y reordenar funciones apenas las cambia. Las respuestas escritas se comparan
por secuencias de {{ methods.text.k }} palabras con contenido (sin tildes, mayúsculas ni palabras
vacías, reducidas a su raíz), de modo que retocar unas palabras no oculta una copia.</p>
<p>La puntuación de una pareja es la mayor de las dos proporciones del trabajo propio de cada
estudiante que también está en el del otro (en código o en respuestas escritas, la mayor). Cuando
alguien escribió poco, la proporción se calcula como si hubiera escrito al menos
{{ floor.code }} caracteres de código normalizado o {{ floor.text }} palabras, de modo que unas
pocas líneas que todos escriben igual no bastan para señalar a nadie. Un fragmento que aparece en
más de {{ result.common }} entregas se considera habitual (lo escribe casi todo el mundo) y no
cuenta.</p>
<p>Umbral: <strong>{{ "%.0f" | format(100 * result.threshold) }} %</strong>. Una pareja por
encima del umbral <strong>no es una prueba de copia</strong>: compara las celdas resaltadas y
decide. Este informe no cambia ninguna nota y los estudiantes no lo ven.</p>
</div>

<h2>Parejas</h2>
{% if rows %}
<table>
<thead><tr><th>#</th><th>Estudiante</th><th>Estudiante</th><th>Puntuación</th><th>Código</th>
<th>Respuestas escritas</th><th></th></tr></thead>
<tbody>
{% for row in rows %}<tr><td class="n"><a href="#pareja-{{ row.rank }}">{{ row.rank }}</a></td>
<td>{{ row.a }}</td><td>{{ row.b }}</td><td class="n">{{ row.score }}</td>
<td class="n">{{ row.code }}</td><td class="n">{{ row.text }}</td>
<td>{% if row.flagged %}<span class="flag">revisar</span>{% endif %}
{% if row.earlier %}curso anterior{% endif %}</td></tr>
{% endfor %}</tbody>
</table>
<p>{{ result.flagged | length }} pareja(s) por encima del umbral; debajo, las
{{ rows | length - result.flagged | length }} siguientes, para ver el margen. Todas las parejas
con al menos un 10 % están en el CSV.</p>
{% else %}<p>Ninguna pareja comparte trabajo.</p>{% endif %}

{% if result.skipped %}
<h2>Sin comparar</h2>
<ul>{% for item in result.skipped %}<li>{{ item.who }}: {{ item.reason }}</li>{% endfor %}</ul>
{% endif %}

{% for pair in details %}
<h3 id="pareja-{{ pair.rank }}">{{ pair.rank }}. {{ pair.row.a }} y {{ pair.row.b }}
<small>· {{ pair.row.score }}{% if pair.row.flagged %} · <span class="flag">revisar</span>
{%- endif %}</small></h3>
{% for block in pair.blocks %}
<h4><code>{{ block.label }}</code> <small>· {{ block.share }} en común</small></h4>
<div class="side">
{% for side in [block.left, block.right] %}<div>
{% for cell in side %}{% if cell.kind == "code" %}<pre>{% for line in cell.lines %}<span
{%- if line.hit %} class="hit"{% endif %}>{{ line.text }}</span>{% endfor %}</pre>
{%- else %}<div class="prose">{% for piece in cell.pieces %}{% if piece.hit %}<mark>
{{- piece.text }}</mark>{% else %}{{ piece.text }}{% endif %}{% endfor %}</div>{% endif %}
{%- else %}<p class="empty">sin esta celda</p>{% endfor %}
</div>
{% endfor %}</div>
{% endfor %}
{% endfor %}
</body>
</html>
"""
