"""What every worker needs and nothing more: settings, logging, the database, metrics."""
