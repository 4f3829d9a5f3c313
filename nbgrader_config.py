"""nbgrader reads this; every setting comes from course.yaml through autograder.authoring.release.

solutions/ is nbgrader's source folder and assignments/ its release folder, so
`nbgrader generate_assignment 02_convolutions` and `course release` agree.
"""
from autograder import config as _course_config
from autograder.authoring.release import nbgrader_settings

c = get_config()  # noqa: F821 - injected by traitlets
nbgrader_settings(c, _course_config.load())
