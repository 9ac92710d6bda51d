"""nbgrader configuration of the course (run nbgrader commands from this folder).

Source notebooks live in exercises/<assignment>/; everything nbgrader generates (release/,
submitted/, autograded/, feedback/, gradebook.db) is git-ignored.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "aprendizaje-profundo-autoencoders"
c.CourseDirectory.source_directory = "exercises"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

c.ClearSolutions.code_stub = {"python": "# TU CÓDIGO AQUÍ\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ESCRIBE AQUÍ TU RESPUESTA"

# A training cell may take a while on a slow laptop; a runaway loop must not hold the batch.
c.Execute.timeout = 300
# Once the last cell has run every output is in; a graceful shutdown would only wait about 3 s
# for TensorFlow's teardown in each notebook. (The autograder sets the same for its own runs.)
c.Execute.shutdown_kernel = "immediate"
