"""Results out: every text a student can influence is cleaned once, then written for people
(score table, feedback HTML) and machines (results.json, JUnit XML, Gradescope)."""
