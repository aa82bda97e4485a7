"""In-memory repositories and unit of work: fast, transactional enough for tests and demos."""
