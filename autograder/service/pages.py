"""The service's Spanish pages (Jinja2, server-rendered, no JavaScript): the student's page, one
submission's feedback, the instructor's dashboard, and the small pages in between."""

from __future__ import annotations

from autograder.outputs.templates import render
from autograder.outputs.templates.feedback import _STYLE

_HEAD = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{% if refresh %}<meta http-equiv="refresh" content="{{ refresh }}">{% endif %}
<title>{{ title }}</title>
<style>""" + _STYLE + """
form.upload { background: #f6f8fa; padding: 1rem; border-radius: 6px; }
form.upload label { display: block; margin: .4rem 0; }
.error { background: #ffebe9; border-left: 4px solid #cf222e; padding: .6rem 1rem; }
.ok { background: #dafbe1; border-left: 4px solid #1a7f37; padding: .6rem 1rem; }
.note { color: #555; font-size: .92rem; }
</style>
</head>
<body>
"""

ENTER = _HEAD + """
<h1>Entrando…</h1>
<p>Si no pasas enseguida a tu página, <a href="{{ target }}">sigue este enlace</a>.</p>
</body></html>"""

MESSAGE = _HEAD + """
<h1>{{ title }}</h1>
<p class="error">{{ message }}</p>
<p class="note">Si llegaste aquí con tu enlace personal y no funciona, pide uno nuevo a tu
profesor.</p>
</body></html>"""

STUDENT = _HEAD + """
<h1>Entregas de {{ name or student }}</h1>
<p class="sub">{{ student }} · esta página se abre con tu enlace personal: no lo compartas.</p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if accepted %}<p class="ok" role="status">{{ accepted }}</p>{% endif %}

{% for a in assignments %}
<h2>{{ a.name }}</h2>
<p>{{ a.state_text }}<br>
<span class="note">{{ a.rule_text }} Puedes entregar hasta {{ a.per_hour }} veces por hora.
Antes del plazo verás {{ a.before }}; después, {{ a.after }}.</span></p>
{% endfor %}

{% if open_assignments %}
<form class="upload" method="post" action="/estudiante/entregas" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label>Tarea:
<select name="assignment">
{% for a in open_assignments %}<option value="{{ a }}">{{ a }}</option>{% endfor %}
</select></label>
<label>Cuaderno (.ipynb, máximo {{ max_mb | points }} MB):
<input type="file" name="notebook" accept=".ipynb" required></label>
<button type="submit">Entregar</button>
</form>
{% else %}<p>Ahora mismo no hay ninguna tarea abierta.</p>{% endif %}

<h2>Historial</h2>
{% if history %}
<table>
<thead><tr><th>Recibida</th><th>Tarea</th><th>Estado</th><th>Puntos</th><th>Cuenta</th>
<th></th></tr></thead>
<tbody>
{% for s in history %}<tr>
<td>{{ s.received }}</td><td>{{ s.assignment }}</td>
<td>{{ s.status_text }}{% if s.position %} (puesto {{ s.position }} en la cola
{%- if s.eta %}, ~{{ s.eta }}{% endif %}){% endif %}</td>
<td class="points">{% if s.points is not none %}{{ s.points | points }} /
{{ s.max_points | points }}{% else %}–{% endif %}</td>
<td>{{ s.counts_text }}</td>
<td>{% if s.graded %}<a href="/estudiante/entregas/{{ s.id }}">ver corrección</a>{% endif %}</td>
</tr>{% endfor %}
</tbody></table>
{% else %}<p>Aún no has entregado nada.</p>{% endif %}
<footer>Cuenta para la nota la última entrega recibida antes del plazo; las anteriores quedan en
el historial con sus puntos y su corrección.</footer>
</body></html>"""

FEEDBACK = _HEAD + """
<p><a href="/estudiante">← volver a mis entregas</a></p>
<h1>Corrección de «{{ s.assignment }}»</h1>
<p class="sub">Entrega recibida el {{ received }} ({{ s.file_name }}, {{ s.size }} bytes,
huella {{ s.sha256[:12] }}) · {{ counts_text }}</p>
{% if s.points is not none %}<p class="total">Puntos: <strong>{{ s.points | points }} /
{{ s.max_points | points }}</strong></p>{% endif %}
<p class="note">Ves {{ view_text }}{% if before_deadline %}; antes del plazo no se
muestran los valores con los que se comparan las pruebas ocultas{% endif %}.
{%- if pending %} {{ pending | points }} punto(s) de respuestas escritas los corrige tu profesor a
mano.{% endif %}</p>
{% if s.problems %}
<div class="problems"><p><strong>Qué ha pasado con tu entrega</strong></p><ul>
{% for p in s.problems %}<li>{{ p }}</li>{% endfor %}</ul></div>
{% endif %}
{% if s.tests %}
<table>
<thead><tr><th>Prueba</th><th>Puntos</th><th>Resultado</th><th>Mensaje</th></tr></thead>
<tbody>
{% for t in s.tests %}<tr><td><code>{{ t.test }}</code></td>
<td class="points">{{ t.points | points }} / {{ t.max_points | points }}</td>
<td class="{{ t.status }}">{{ status_label(t.status) }}</td><td>{{ t.message }}</td></tr>
{% endfor %}</tbody></table>
{% endif %}
<footer>El código de las pruebas ocultas no se muestra. Si algo no te cuadra, habla con tu
profesor.</footer>
</body></html>"""

DASHBOARD = _HEAD + """
<h1>Entregas en línea · panel del profesor</h1>
<p class="sub">{{ queued }} en cola · {{ grading }} corrigiéndose · {{ slots }} a la vez ·
{% if report %}<a href="/profesor/informe/index.html">informe de la clase</a>{% else %}
sin informe de la clase todavía (<code>autograder report</code>){% endif %}</p>
{% for a in assignments %}
<h2>{{ a.name }}</h2>
<p>{{ a.state_text }} · {{ a.students | length }} estudiante(s) han entregado,
{{ a.total }} entrega(s) en total.</p>
{% if a.attention %}
<div class="problems"><p><strong>Requieren atención</strong></p><ul>
{% for s in a.attention %}<li>{{ s.student }} · {{ s.received }} · {{ s.why }}</li>{% endfor %}
</ul></div>
{% endif %}
{% if a.students %}
<table>
<thead><tr><th>Estudiante</th><th>Entregas</th><th>Última (la que cuenta)</th><th>Estado</th>
<th>Puntos automáticos</th></tr></thead>
<tbody>
{% for s in a.students %}<tr><td>{{ s.name or s.student }} <small>({{ s.student }})</small></td>
<td>{{ s.count }}</td><td>{{ s.received }}{% if s.late %} · con retraso{% endif %}</td>
<td>{{ s.status_text }}</td>
<td class="points">{% if s.points is not none %}{{ s.points | points }} /
{{ s.max_points | points }}{% else %}–{% endif %}</td>
</tr>{% endfor %}
</tbody></table>
{% endif %}
{% endfor %}
<footer>Las notas están en el libro de notas de nbgrader: <code>autograder export</code>,
<code>feedback</code>, <code>report</code> y formgrader funcionan como siempre.</footer>
</body></html>"""


def page(template: str, **values) -> str:
    values.setdefault("refresh", None)
    return render(template, **values)
