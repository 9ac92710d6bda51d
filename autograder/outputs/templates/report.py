"""The class report: summary per assignment, plots, frequent failures, submissions to look at."""

REPORT = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Informe de la clase · {{ course }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: .8rem 0 1.5rem; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f3; }
td.n { text-align: right; white-space: nowrap; }
img { max-width: 100%; border: 1px solid #eee; margin: .4rem 0; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; }
.plots figure { margin: 0; flex: 1 1 28rem; }
code { font-size: .92em; }
</style>
</head>
<body>
<h1>Informe de la clase</h1>
<p>{{ course }} · generado el {{ generated }}</p>

<h2>Resumen</h2>
<table>
<thead><tr><th>Ejercicio</th><th>Entregas</th><th>Media</th><th>Mediana</th><th>Máximo</th>
<th>Sobre</th><th>Con incidencias</th><th>Corrección manual pendiente</th></tr></thead>
<tbody>
{% for row in summary %}<tr><td>{{ row.assignment }}</td><td class="n">{{ row.count }}</td>
<td class="n">{{ row.mean | points }}</td><td class="n">{{ row.median | points }}</td>
<td class="n">{{ row.best | points }}</td><td class="n">{{ row.max_points | points }}</td>
<td class="n">{{ row.attention }}</td><td class="n">{{ row.pending }}</td></tr>
{% endfor %}</tbody>
</table>
{% if without_submissions %}<p>Sin entregas todavía: {{ without_submissions | join(", ") }}.</p>
{% endif %}

{% for plot in plots %}
<h2>{{ plot.assignment }}</h2>
<div class="plots">
<figure><img src="{{ plot.histogram }}" alt="Histograma de notas de {{ plot.assignment }}">
<figcaption>Distribución de notas</figcaption></figure>
<figure><img src="{{ plot.pass_rate }}" alt="Pruebas superadas en {{ plot.assignment }}">
<figcaption>Proporción de entregas que superan cada prueba</figcaption></figure>
</div>
{% endfor %}

<h2>Mensajes de fallo más frecuentes</h2>
{% if failures %}
{% if failures_plot %}
<img src="{{ failures_plot }}" alt="Mensajes de fallo más frecuentes">
{% endif %}
<table>
<thead><tr><th>Veces</th><th>Ejercicio</th><th>Prueba</th><th>Mensaje (un ejemplo)</th></tr></thead>
<tbody>
{% for failure in failures %}<tr><td class="n">{{ failure.count }}</td>
<td>{{ failure.assignment }}</td><td><code>{{ failure.grade_id }}</code></td>
<td>{{ failure.example }}</td></tr>
{% endfor %}</tbody>
</table>
{% else %}<p>Ningún fallo.</p>{% endif %}

<h2>Entregas que requieren atención</h2>
{% if attention %}
<table>
<thead><tr><th>Estudiante</th><th>Ejercicio</th><th>Puntos</th><th>Incidencias</th></tr></thead>
<tbody>
{% for row in attention %}<tr>
<td>{{ row.name or row.student }} <small>({{ row.student }})</small></td>
<td>{{ row.assignment }}</td>
<td class="n">{{ row.points | points }} / {{ row.max_points | points }}</td>
<td><ul>{% for problem in row.problems %}<li><code>{{ problem.code }}</code>
{{ problem.message }}</li>{% endfor %}</ul></td></tr>
{% endfor %}</tbody>
</table>
{% else %}<p>Ninguna.</p>{% endif %}
{% for item in similar %}
<h3>Parecido entre entregas · {{ item.assignment }}</h3>
{% if item.pairs %}<ul>{% for pair in item.pairs %}<li>{{ pair.a }} y {{ pair.b }}:
{{ "%.0f" | format(100 * pair.score) }} % de trabajo en común</li>{% endfor %}</ul>
{% else %}<p>Ninguna pareja por encima del umbral.</p>{% endif %}
<p><a href="{{ item.page }}">Informe de parecido</a> (parejas lado a lado; no cambia ninguna
nota y los estudiantes no lo ven: decide tú).</p>
{% endfor %}
{% if class_problems %}
<h3>Incidencias de la recogida sin estudiante asociado</h3>
<ul>{% for problem in class_problems %}<li>{{ problem }}</li>{% endfor %}</ul>
{% endif %}
</body>
</html>
"""
