"""The examples each `autograder VERB --help` ends with (Spanish, like the rest of the console)."""

MAIN_EXAMPLES = """
uso típico, desde la carpeta del curso (la que tiene nbgrader_config.py):
  autograder release                                   # versiones de estudiante y zips
  autograder collect descargas.zip -a 01-autoencoder   # el zip de entregas de Moodle
  autograder grade 01-autoencoder                      # en paralelo, reanudable
  jupyter lab                                          # pestaña Formgrader: lo escrito
  autograder publish                                   # = feedback + export + report

estudiantes:
  autograder check 01-autoencoder.ipynb                # pruebas visibles, como al corregir

cada verbo tiene sus ejemplos: autograder VERBO --help
"""

EXAMPLES = {
    "release": """
ejemplos:
  autograder release                        # todos los ejercicios de exercises/
  autograder release 01-autoencoder 03-vae  # solo estos
salida: release/<ejercicio>/ (nbgrader generate_assignment) y release/<ejercicio>.zip""",
    "collect": """
ejemplos:
  autograder collect ~/Descargas/AP-01-autoencoder.zip -a 01-autoencoder
  autograder collect entregas/ -a 01-autoencoder --roster lista.csv
SOURCE es el zip «Descargar todas las entregas» de Moodle (o ese zip descomprimido), o una
carpeta con una subcarpeta por estudiante. La lista de clase es opcional: una columna de id y,
si se quiere, nombre / correo / moodle_id; vale el CSV de Excel (cp1252, «;»), UTF-8 con o sin
BOM, UTF-16, con «,», «;» o tabulador. Los problemas (sin cuaderno, varios cuadernos, nombre
equivocado, JSON corrupto...) se listan; ninguno detiene la recogida y los originales no se
modifican.""",
    "grade": """
ejemplos:
  autograder grade                          # todo ejercicio con entregas, todas las CPU
  autograder grade 01-autoencoder --workers 2
  autograder grade 01-autoencoder --student ana.garcia --force
  autograder grade --retry-errors --budget 1800   # recorregir las que agotaron un límite
  autograder limits && autograder grade     # límites: 10 veces lo que tarda la solución
  autograder grade --scheduler tls://planificador:8786 --tls-ca-file cluster-tls/ca.pem \\
      --tls-cert cluster-tls/client.pem --tls-key cluster-tls/client-key.pem
                                            # en un clúster Dask (docs/distributed.md)
Los ficheros TLS los crea `autograder certificates`; también valen AUTOGRADER_SCHEDULER,
AUTOGRADER_TLS_CA_FILE, AUTOGRADER_TLS_CERT y AUTOGRADER_TLS_KEY. Un planificador tcp:// fuera de
esta máquina se rechaza salvo con --allow-insecure-scheduler.
Volver a ejecutarlo corrige solo lo nuevo o cambiado; una ejecución interrumpida sigue donde se
quedó. Las notas puestas a mano en formgrader se conservan siempre.""",
    "certificates": """
ejemplos:
  autograder certificates                   # cluster-tls/: CA, planificador, trabajadores, tú
  autograder certificates --out ~/.autograder-tls --days 180
  autograder certificates --force           # otros nuevos: los anteriores dejan de valer
Escribe ca.pem y un certificado y su clave por papel (scheduler, worker, client), con permisos
0600 en una carpeta 0700, y dice qué ficheros van a cada máquina y con qué opciones de Dask.
Solo quien tenga una de esas claves puede enviar trabajo al clúster (docs/distributed.md).""",
    "feedback": """
ejemplos:
  autograder feedback                       # todas las entregas corregidas
  autograder feedback 01-autoencoder --student ana.garcia
salida: feedback/<estudiante>/<ejercicio>/informe.html, feedback/index.html y, para entregas de
Moodle, feedback/<ejercicio>-moodle.zip (para «Subir varios archivos de retroalimentación en un
zip»)""",
    "export": """
ejemplos:
  autograder export                         # todos los ficheros de abajo, en export/
  autograder export 01-autoencoder --out notas/ --moodle-language es
  autograder export --final --canvas-login email   # se niega si falta corrección manual
canvas-grades.csv: importación del libro de calificaciones de Canvas (columnas de identidad +
una por ejercicio); moodle-gradebook.csv: importación CSV del libro de calificaciones de Moodle
(usuarios por «Email address»); <ejercicio>-moodle-worksheet.csv (entregas de Moodle): «Subir
hoja de calificaciones» de la tarea; grades-detail.csv: puntos y estado por prueba;
grades.json: todo. Formatos y reglas de cada importador: docs/lms-formats.md.""",
    "report": """
ejemplos:
  autograder report                         # report/index.html con gráficos PNG
  autograder report 01-autoencoder --out informe/""",
    "similarity": """
ejemplos:
  autograder similarity 01-autoencoder
  autograder similarity 01-autoencoder --against ../curso-2025/submitted/ antiguos.zip
Compara el trabajo propio de cada estudiante (celdas de respuesta y las que añadió; nunca el
código de partida ni el enunciado) con el de todos los demás y, con --against, con cuadernos de
cursos anteriores (una carpeta submitted/, una carpeta de cuadernos o un zip). Escribe
report/similarity-<ejercicio>.html (parejas ordenadas, lado a lado, coincidencias resaltadas) y
.csv; las parejas por encima del umbral salen en el informe de la clase. No cambia ninguna nota
y los estudiantes no lo ven. Qué significa la puntuación: docs/similarity.md.""",
    "publish": """
ejemplos:
  autograder publish                        # feedback/, export/ y report/ de una vez
  autograder publish 01-autoencoder --moodle-language es
  autograder publish --final                # solo si ninguna nota es provisional
Lo mismo que `autograder feedback`, `autograder export` y `autograder report` seguidos.""",
    "check": """
ejemplos:
  autograder check 01-autoencoder.ipynb
  autograder check ~/practicas/03-vae.ipynb --timeout 600
Ejecuta el cuaderno como lo hará la corrección y lista cada prueba: ✓ superada, ✗ no superada
(con el mensaje), · solo pruebas ocultas (se corrigen después), ✎ respuesta escrita. Termina con
0 si pasan todas las pruebas visibles y con 1 si no. Solo necesita el cuaderno.""",
    "serve": """
ejemplos:
  autograder tokens --roster lista.csv --url https://entregas.ejemplo.es
  autograder serve                          # http://127.0.0.1:8000, detrás de un proxy TLS
  autograder serve --workers 2 --max-upload-mb 10
  autograder serve --scheduler tls://planificador:8786 --tls-ca-file ca.pem ...
Un solo proceso es el dueño del libro de notas (como `grade`): cada entrega se guarda tal como
llega, entra en una cola persistente y se corrige con el mismo motor, límites y aislamiento que
`autograder grade`. La política de cada tarea está en service/<tarea>.toml (docs/service.md).""",
    "limits": """
ejemplos:
  autograder limits                         # mide la solución de cada tarea publicada
  autograder limits 03-vae --factor 5       # límites = 5 veces lo que tarda la solución
  autograder limits 03-vae --budget 600     # fija el límite por cuaderno
  autograder limits --show                  # qué límites usará `grade` en cada tarea
Corrige la solución de source/ como una entrega más (mismo corrector y aislamiento), comprueba que
saca todos los puntos automáticos y guarda en grading/<tarea>/limits.json lo que tardó y los
límites derivados: 10 veces la celda más lenta (mínimo 30 s) y el cuaderno entero (mínimo 120 s).
`grade` y `serve` los usan desde entonces; sus opciones --cell-timeout y --budget mandan sobre
ellos. Sin medición (o si la solución cambió) siguen los límites por defecto.""",
    "tokens": """
ejemplos:
  autograder tokens --roster lista.csv --url https://entregas.ejemplo.es
  autograder tokens --reissue ana.garcia    # enlace nuevo; el anterior deja de valer
  autograder tokens --revoke ana.garcia
  autograder tokens --instructor            # enlace nuevo del profesor
Escribe service/enlaces.csv (id, name, email, link) con los enlaces nuevos, para combinar
correspondencia. Solo se guarda la huella de cada clave: un enlace perdido no se recupera, se
vuelve a emitir.""",
    "demo": """
ejemplos:
  autograder demo                           # demo-class/ junto al curso
  autograder demo --out /tmp/demo --workers 2""",
}
