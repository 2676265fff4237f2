//! A throwaway PostgreSQL server for tests and benchmarks: `initdb` into a
//! temporary folder, `postgres` on a free port of 127.0.0.1 with its socket
//! in that folder, one server per process (shared by the tests of one test
//! binary), and a fresh database per caller.
//!
//! The server runs under a small shell that waits on a pipe from this
//! process: when the process ends (however it ends) the pipe closes, and
//! the shell stops the server and deletes the folder.
//!
//! The server programs are found through `PG_BINDIR`, `pg_config
//! --bindir`, Debian's `/usr/lib/postgresql/*/bin`, or `PATH`. When they
//! are missing, tests skip with a loud message, except under `CI=true`,
//! where a missing server is a failure: CI must run the PostgreSQL tests.
//! `initdb` refuses to run as root; as root the server runs as the
//! `postgres` user (through `runuser`) in a folder it owns.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// The variable that moves the contract suites onto PostgreSQL:
/// `TEST_DATABASE=postgres` (not `KITH_`-prefixed: those are configuration).
pub const BACKEND_VARIABLE: &str = "TEST_DATABASE";

/// Whether the tests of this run are asked to use PostgreSQL.
pub fn postgres_requested() -> bool {
    std::env::var(BACKEND_VARIABLE).is_ok_and(|v| v == "postgres")
}

/// A running throwaway server.
pub struct TestServer {
    port: u16,
    /// The watcher's stdin: dropping it (the process ending) stops the server.
    _keepalive: Mutex<ChildStdin>,
    _watcher: Mutex<Child>,
}

static SERVER: OnceLock<Option<TestServer>> = OnceLock::new();
static DATABASES: AtomicU64 = AtomicU64::new(0);

/// The process's server, started on first use; `None` (after a loud
/// message) when the server programs are missing outside CI.
pub fn server() -> Option<&'static TestServer> {
    SERVER
        .get_or_init(|| match bindir() {
            None if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
                "CI=true but the PostgreSQL server programs (initdb, postgres) are not \
                 installed: install the distribution's postgresql package (.ci/run does)"
            ),
            None => {
                eprintln!(
                    "\n*** SKIPPING the PostgreSQL tests: initdb/postgres not found \
                     (install the postgresql package, or set PG_BINDIR) ***\n"
                );
                None
            }
            Some(bin) => match TestServer::start(&bin) {
                Ok(server) => Some(server),
                Err(e) => panic!("cannot start a throwaway PostgreSQL: {e:#}"),
            },
        })
        .as_ref()
}

/// A URL to a new, empty database on the process's server (`None` when
/// there is no server, outside CI).
pub async fn fresh_database() -> Option<String> {
    let server = server()?;
    Some(
        server
            .create_database()
            .await
            .expect("creates a test database"),
    )
}

impl TestServer {
    /// A URL to database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://kith@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates a new database, its migrations already applied (a copy of
    /// a template migrated once per process), and returns its URL.
    pub async fn create_database(&self) -> anyhow::Result<String> {
        use sqlx::Connection;
        static TEMPLATE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        TEMPLATE
            .get_or_try_init(|| async {
                let mut admin = sqlx::PgConnection::connect(&self.url("postgres")).await?;
                sqlx::query("CREATE DATABASE kith_template")
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                let store = super::PgStore::open(&self.url("kith_template")).await?;
                // Tests' inspecting SQL quotes values with SQLite's quote():
                // the same function here (a test database only).
                sqlx::raw_sql(
                    "CREATE FUNCTION quote(anyelement) RETURNS text LANGUAGE sql IMMUTABLE
                     AS 'SELECT quote_nullable($1)'",
                )
                .execute(store.pool())
                .await?;
                store.close().await;
                anyhow::Ok(())
            })
            .await?;
        let name = format!(
            "kith_{}_{}",
            std::process::id(),
            DATABASES.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres")).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE kith_template"
        )))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(self.url(&name))
    }

    fn start(bin: &Path) -> anyhow::Result<TestServer> {
        let root = std::env::temp_dir().join(format!(
            "kith-pg-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&root)
            .with_context(|| format!("cannot create {}", root.display()))?;
        let as_root = running_as_root();
        if as_root {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&root)
                .status()?;
            if !status.success() {
                bail!("cannot give {} to the postgres user", root.display());
            }
        }
        let data = root.join("data");
        let mut initdb = as_server_user(as_root, &bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "kith",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let out = initdb.output().context("cannot run initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = free_port()?;
        let postgres = bin.join("postgres");
        let user = if as_root {
            "runuser -u postgres -- "
        } else {
            ""
        };
        // Waits for its stdin to close, then stops the server (fast
        // shutdown) and removes the folder.
        let script = format!(
            "{user}'{postgres}' -D '{data}' -p {port} -k '{root}' \
               -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off \
               -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB \
               >'{root}/log' 2>&1 &\n\
             pid=$!\n\
             cat >/dev/null\n\
             {user}'{pg_ctl}' -D '{data}' -m immediate -w stop >/dev/null 2>&1\n\
             wait $pid\n\
             rm -rf '{root}'\n",
            postgres = postgres.display(),
            pg_ctl = bin.join("pg_ctl").display(),
            data = data.display(),
            root = root.display(),
        );
        let mut watcher = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start the server's watcher")?;
        let mut keepalive = watcher
            .stdin
            .take()
            .ok_or_else(|| anyhow!("the watcher has no stdin"))?;
        keepalive.flush()?;
        let ready = bin.join("pg_isready");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = Command::new(&ready)
                .args([
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                    "-U",
                    "kith",
                ])
                .status()
                .is_ok_and(|s| s.success());
            if up {
                break;
            }
            if let Ok(Some(status)) = watcher.try_wait() {
                bail!(
                    "the server stopped ({status}): {}",
                    std::fs::read_to_string(root.join("log")).unwrap_or_default()
                );
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not accept connections within a minute: {}",
                    std::fs::read_to_string(root.join("log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(TestServer {
            port,
            _keepalive: Mutex::new(keepalive),
            _watcher: Mutex::new(watcher),
        })
    }
}

fn as_server_user(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Where `initdb` and `postgres` are.
fn bindir() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(dir) = std::env::var_os("PG_BINDIR").map(PathBuf::from) {
        return has_server(&dir).then_some(dir);
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_server(d)) {
        return Some(dir);
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has_server(d))
        .collect();
    debian.sort();
    if let Some(dir) = debian.pop() {
        return Some(dir);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).find(|d| has_server(d))
}

/// The database a contract test runs on: SQLite at `sqlite_path` by
/// default, a fresh PostgreSQL database when `TEST_DATABASE=postgres` (not `KITH_`-prefixed: those are configuration)
/// (then a missing server is a failure: the run asked for it).
pub async fn database_url(sqlite_path: &Path) -> String {
    if !postgres_requested() {
        return format!("sqlite://{}", sqlite_path.display());
    }
    let Some(url) = fresh_database().await else {
        panic!("{BACKEND_VARIABLE}=postgres, but no PostgreSQL server could be started");
    };
    url
}

/// Makes inserts into `table` fail (a stand-in for a full disk or a
/// crash), for the rows where `condition` (SQL over `NEW`) holds.
pub async fn refuse_inserts(pool: &sqlx::AnyPool, table: &str, condition: &str) {
    let postgres = pool
        .connect_options()
        .database_url
        .scheme()
        .starts_with("postgres");
    let statements = match postgres {
        false => vec![format!(
            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {condition}
             BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )],
        true => vec![
            format!(
                "CREATE FUNCTION refuse_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF {condition} THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$"
            ),
            format!(
                "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table}
                 FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
            ),
        ],
    };
    for sql in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("creates the refusing trigger");
    }
}

/// A connection pool for a test to look into the database at `url`
/// directly, whichever engine it is (SQL with `$1` parameters reads on
/// both); a plain path is a SQLite file.
pub async fn inspector(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match url.contains("://") {
        true => url.to_string(),
        false => format!("sqlite://{url}"),
    };
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await
        .expect("an inspecting connection")
}
