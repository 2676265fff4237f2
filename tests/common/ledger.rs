//! Shared by the test binaries: the ledger as text, to show that a refused
//! request changed nothing.

/// Every row of `tables` (name, comma-separated columns) as
/// `table: 'a', 'b'`, sorted, so two snapshots compare with `==`.
pub async fn rows(pool: &sqlx::SqlitePool, tables: &[(&str, &str)]) -> Vec<String> {
    let mut rows = Vec::new();
    for (table, columns) in tables {
        let sql = format!(
            "SELECT '{table}: ' || quote({}) FROM {table} ORDER BY 1",
            columns.replace(", ", ") || ', ' || quote(")
        );
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .expect("reads the ledger");
        rows.extend(found);
    }
    rows
}

/// Every row of every table in the database (FTS shadow tables included),
/// as text: what a refused request must leave exactly as it was.
#[allow(dead_code)] // not every test binary that includes this file uses it
pub async fn everything(pool: &sqlx::SqlitePool) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("lists the tables");
    let mut rows = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(pool)
        .await
        .expect("lists the columns");
        if columns.is_empty() {
            continue;
        }
        let joined = columns.join(", ");
        rows.extend(self::rows(pool, &[(table.as_str(), joined.as_str())]).await);
    }
    rows
}
