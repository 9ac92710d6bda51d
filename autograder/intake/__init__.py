"""Before grading, in the instructor's process: release student versions, collect submissions."""
