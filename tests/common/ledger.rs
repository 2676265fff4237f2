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

/// Every row of every table in the database (migrations' bookkeeping
/// aside), as `table: 'a', 'b', ...`, sorted: what a refused request must
/// leave exactly as it was, whichever table it might have touched.
#[allow(dead_code, reason = "not every test binary needs the whole database")]
pub async fn everything(pool: &sqlx::SqlitePool) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("lists the tables");
    assert!(tables.len() > 5, "the schema is there: {tables:?}");
    let mut all = Vec::new();
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
        let columns = columns.join(", ");
        all.extend(rows(pool, &[(table.as_str(), columns.as_str())]).await);
    }
    all
}
