"""A term: release and collect through nbgrader's exchange, grade a class, fill the gradebook."""
