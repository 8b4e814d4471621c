"""Alembic's environment for the archive: always run by ``components.store.engine.upgrade`` on a connection
it has already locked (a PostgreSQL advisory lock, or SQLite's write lock), inside its transaction."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="archive_schema_version", transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
