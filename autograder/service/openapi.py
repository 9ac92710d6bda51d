"""The API's description (OpenAPI 3.1), served at /api/openapi.json; docs/service.md has prose."""

_ERROR = {"description": "Refusal: one Spanish sentence in `error`",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_TEST = {"type": "object", "properties": {
    "notebook": {"type": "string"}, "test": {"type": "string"},
    "status": {"enum": ["passed", "partial", "failed", "not_run", "manual"]},
    "points": {"type": ["number", "null"]}, "max_points": {"type": "number"},
    "message": {"type": "string"}}}

_SUBMISSION = {"type": "object", "properties": {
    "id": {"type": "string"}, "assignment": {"type": "string"}, "student": {"type": "string"},
    "status": {"enum": ["queued", "grading", "graded", "failed"]},
    "received_at": {"type": "string", "format": "date-time"},
    "file_name": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"},
    "late": {"type": "boolean"}, "counts": {"type": "boolean"},
    "status_url": {"type": "string"}, "feedback_url": {"type": "string"},
    "queue_position": {"type": ["integer", "null"]}, "eta_seconds": {"type": ["integer", "null"]},
    "view": {"enum": ["full", "points", "visible"]},
    "points": {"type": ["number", "null"]}, "max_points": {"type": ["number", "null"]},
    "tests": {"type": "array", "items": _TEST},
    "problems": {"type": "array", "items": {"type": "string"}}}}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "autograder serve", "version": "1",
             "description": "Entregas de cuadernos y su corrección automática."},
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                      "description": "la clave del enlace personal"}},
        "schemas": {"Submission": _SUBMISSION, "Error": {
            "type": "object", "properties": {"error": {"type": "string"},
                                             "next_allowed_at": {"type": "string"}}}}},
    "security": [{"token": []}],
    "paths": {
        "/api/health": {"get": {"security": [], "summary": "El servicio responde",
                                "responses": {"200": {"description": (
                                    "{\"status\": \"ok\", \"grader\": \"ready\"} "
                                    "(\"starting\" mientras arranca el proceso que corrige)")}}}},
        "/api/submissions": {
            "post": {
                "summary": "Entregar un cuaderno (solo estudiantes)",
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["assignment", "notebook"],
                               "properties": {"assignment": {"type": "string"},
                                              "notebook": {"type": "string",
                                                           "format": "binary"}}}}}},
                "responses": {
                    "202": {"description": "Guardada y en cola",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Submission"}}}},
                    "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR,
                    "413": _ERROR, "422": _ERROR, "429": _ERROR}},
            "get": {
                "summary": "Historial: las entregas propias (el profesor: todas; "
                           "?assignment= filtra)",
                "responses": {"200": {"description": "{\"submissions\": [Submission...]}"},
                              "401": _ERROR}}},
        "/api/submissions/{id}": {"get": {
            "summary": "Estado y resultado de una entrega, según la política de la tarea",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": {"description": "La entrega", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Submission"}}}},
                "401": _ERROR, "404": _ERROR}}},
    },
}
