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
