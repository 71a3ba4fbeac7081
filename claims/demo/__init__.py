"""Demo data shipped with the project, and the loader `manage.py load_demo` calls."""
