"""SQL persistence (SQLAlchemy Core, async): tables, mapping, repositories, unit of work."""
