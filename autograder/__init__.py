"""Grading code for the course: contract checks and the instructor CLI around nbgrader."""
