"""make loadtest: mixed traffic against gunicorn on loopback (see loadtest/run.py)."""
