"""The Spanish feedback page of one student's assignment, and the index of all pages."""

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.sub { color: #555; margin-top: 0; }
.total { font-size: 1.25rem; margin: 1.2rem 0; }
.problems { background: #fff4e5; border-left: 4px solid #e69500; padding: .6rem 1rem; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: .45rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.points { white-space: nowrap; text-align: right; }
code { font-size: .92em; }
.passed { color: #1a7f37; } .partial { color: #9a6700; } .failed, .not_run { color: #cf222e; }
.manual { color: #555; }
.comment { background: #eef6ff; border-left: 4px solid #3b82f6; padding: .3rem .6rem;
           margin: .3rem 0; white-space: pre-wrap; }
.provisional { color: #9a6700; font-size: .85em; }
footer { margin-top: 2rem; color: #666; font-size: .9rem; }
"""

FEEDBACK = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>{{ assignment }} · {{ name or student }}</title>
<style>""" + _STYLE + """</style>
</head>
<body>
<h1>Corrección de «{{ assignment }}»</h1>
<p class="sub">{{ name or student }} ({{ student }}){% if graded_at %} · corregido el
{{ graded_at }}{% endif %}</p>

{% set plural = "s" if pending > 1 else "" %}
<p class="total">Pruebas automáticas:
<strong>{{ auto_points | points }} / {{ auto_max | points }}</strong> puntos
{%- if written_max %} · respuestas escritas: {% if pending %}{{ written_points | points }} /
{{ written_max | points }} puntos ({{ pending }} respuesta{{ plural }} pendiente{{ plural }} de
corrección manual){% else %}<strong>{{ written_points | points }} /
{{ written_max | points }}</strong> puntos{% endif %} · total:
<strong>{{ points | points }} / {{ max_points | points }}</strong>{% endif %}.</p>

{% if problems %}
<div class="problems">
<p><strong>Qué ha pasado con tu entrega</strong></p>
<ul>
{% for problem in problems %}<li>{{ problem.message }}</li>
{% endfor %}</ul>
</div>
{% endif %}

<table>
<thead><tr><th>Prueba</th><th>Puntos</th><th>Resultado</th><th>Mensaje</th></tr></thead>
<tbody>
{% for test in tests %}<tr>
<td><code>{{ test.grade_id }}</code>
{%- if several_notebooks %} <small>({{ test.notebook }})</small>{% endif %}</td>
<td class="points">{{ test.points | points }} / {{ test.max_points | points }}
{%- if test.pending and test.points is not none %}<br><span class="provisional">provisional</span>
{%- endif %}</td>
<td class="{{ test.status }}">{{ status_label(test.status) }}</td>
<td>{{ test.message }}{% if test.comment %}
<div class="comment"><strong>Comentario del profesor:</strong> {{ test.comment }}</div>
{%- endif %}</td>
</tr>
{% endfor %}</tbody>
</table>

{% if comments %}
<h2>Comentarios del profesor</h2>
{% for grade_id, text in comments %}
<div class="comment"><code>{{ grade_id }}</code>: {{ text }}</div>
{% endfor %}
{% endif %}

<footer>De cada prueba se muestran su nombre, sus puntos y el mensaje de error; el código de las
pruebas ocultas no se muestra. Si algo no te cuadra, habla con tu profesor.</footer>
</body>
</html>
"""

FEEDBACK_INDEX = """<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><title>Informes de corrección</title>
<style>""" + _STYLE + """</style></head>
<body>
<h1>Informes de corrección</h1>
<table>
<thead><tr><th>Estudiante</th><th>Ejercicio</th><th>Puntos</th><th>Incidencias</th></tr></thead>
<tbody>
{% for page in pages %}<tr>
<td><a href="{{ page.link }}">{{ page.name or page.student }}</a>
<small>({{ page.student }})</small></td>
<td>{{ page.assignment }}</td>
<td class="points">{{ page.points | points }} / {{ page.max_points | points }}
{%- if page.pending %}<br><span class="provisional">provisional</span>{% endif %}</td>
<td>{{ page.problems }}</td>
</tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""
