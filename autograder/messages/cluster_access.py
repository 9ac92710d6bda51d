"""What the instructor's console says about who may use the grading cluster (Spanish, one line
each): the scheduler address, the course's TLS files (`batch/access.py`) and making them
(`batch/certificates.py`)."""

TLS_HOWTO = ("usa tls://HOST:PUERTO con --tls-ca-file, --tls-cert y --tls-key (créalos con "
             "`autograder certificates`; docs/distributed.md)")

PLAIN_TCP_REFUSED = (
    "{address} no está cifrada ni autenticada: cualquiera que llegue a ese puerto puede "
    "ejecutar código en los trabajadores y leer las entregas; " + TLS_HOWTO + ", o pasa "
    "--allow-insecure-scheduler si esa red es solo tuya")
TLS_FILES_MISSING = (
    "{address} usa TLS y faltan {options} (o las variables {variables}); los crea "
    "`autograder certificates`")
TLS_FILES_WITHOUT_TLS = (
    "los certificados solo sirven con una dirección tls://, no con {address}: usa "
    "tls://HOST:PUERTO")
TLS_FILES_WITHOUT_SCHEDULER = "--tls-ca-file, --tls-cert y --tls-key van con --scheduler"
TLS_FILE_UNREADABLE = "no se puede leer {option} {path}: {error}"
TLS_KEY_OPEN = ("otros usuarios pueden leer la clave {path} (permisos {mode:o}): "
                "déjala solo para ti con `chmod 600 {path}`")
TLS_FILES_INVALID = "los ficheros TLS no forman un certificado y su clave válidos ({error})"
BAD_ADDRESS = "dirección de planificador no válida: {address} (se espera tls://HOST:PUERTO)"
UNKNOWN_SCHEME = ("{address}: protocolo {scheme}:// no admitido para el planificador; usa "
                  "tls://HOST:PUERTO")
TLS_REFUSED = (
    "el planificador de Dask en {address} no aceptó la conexión TLS ({detail}): ¿son el "
    "certificado y la clave de este clúster, firmados por su misma CA?")

CERTS_EXIST = ("ya hay certificados en {folder} ({files}): pasa --force para sustituirlos "
               "(el planificador y los trabajadores necesitarán entonces los nuevos)")
CERTS_UNWRITABLE = "no se pueden escribir los certificados en {folder}: {error}"
CERTS_BAD_DAYS = "la validez debe ser de al menos un día, no {days}"

# `autograder certificates`: what goes where ({folder} absolute, {days} of validity)
CERTS_WRITTEN = """\
certificados TLS del clúster en {folder} (válidos {days} días; solo tú puedes leerlos)
  planificador: ca.pem, scheduler.pem, scheduler-key.pem
    dask scheduler --protocol tls --port 8786 --tls-ca-file ca.pem --tls-cert scheduler.pem \\
        --tls-key scheduler-key.pem --dashboard-address 127.0.0.1:8787
  cada trabajador: ca.pem, worker.pem, worker-key.pem
    dask worker tls://PLANIFICADOR:8786 --nthreads 1 --resources kernels=1 --no-dashboard \\
        --tls-ca-file ca.pem --tls-cert worker.pem --tls-key worker-key.pem
  tú, para corregir: ca.pem, client.pem, client-key.pem
    export AUTOGRADER_TLS_CA_FILE={folder}/ca.pem
    export AUTOGRADER_TLS_CERT={folder}/client.pem
    export AUTOGRADER_TLS_KEY={folder}/client-key.pem
    autograder grade --scheduler tls://PLANIFICADOR:8786
Lleva a cada máquina solo sus ficheros (scp; permisos 600): cualquiera de las tres claves abre
el clúster a quien la tenga. La CA no guarda su clave: para cambiarlas, --force crea otras
(docs/distributed.md)."""
