"""The Python workers: what SQL cannot do. They meet in the database, not in imports."""
