"""Build a documentation corpus snapshot from the projects' repositories."""
