"""After grading, in the instructor's process: feedback pages, grade files for the LMS, report."""
