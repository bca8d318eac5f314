//! Fresh, real databases for tests: a SQLite file in a temporary directory,
//! or a new database on the PostgreSQL server named by
//! `INKPOST_TEST_POSTGRES` (default `postgres://127.0.0.1:5432/test`, the
//! server every machine of this project runs). Each is removed on drop.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, PgConnection};

/// The server tests create their PostgreSQL databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("INKPOST_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://127.0.0.1:5432/test".to_owned())
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL to connect to it.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Directory(PathBuf),
    Database { admin_url: String, name: String },
}

fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "inkpost_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDatabase {
    /// A fresh database of `kind`.
    pub async fn new(kind: Kind) -> Self {
        match kind {
            Kind::Sqlite => Self::sqlite(),
            Kind::Postgres => Self::postgres().await,
        }
    }

    /// A fresh SQLite file (not yet created; the relay creates it).
    pub fn sqlite() -> Self {
        let directory = std::env::temp_dir().join(unique_name());
        std::fs::create_dir_all(&directory).expect("create a temporary directory");
        Self {
            url: format!("sqlite://{}", directory.join("relay.db").display()),
            cleanup: Cleanup::Directory(directory),
        }
    }

    /// A fresh, empty PostgreSQL database. Panics with a hint if the server
    /// does not answer: these tests need it and are never skipped.
    pub async fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL at {admin_url} is unreachable ({error}); start it or set \
                 INKPOST_TEST_POSTGRES to a server where this user may create databases"
                )
            });
        let name = unique_name();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create a test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        Self {
            url: format!("{base}/{name}"),
            cleanup: Cleanup::Database { admin_url, name },
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Directory(directory) => {
                let _ = std::fs::remove_dir_all(directory);
            }
            Cleanup::Database { admin_url, name } => {
                // Drop may run inside a runtime: use a thread of its own.
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime
                        .block_on(async {
                            let mut admin = PgConnection::connect(&admin_url).await?;
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut admin)
                                .await?;
                            Ok::<_, sqlx::Error>(())
                        })
                        .map_err(std::io::Error::other)
                })
                .join();
            }
        }
    }
}

/// Runs each named test function (`async fn name(kind: Kind)`) on SQLite and
/// on PostgreSQL, as `name::sqlite` and `name::postgres`, on a runtime of 2
/// worker threads (or `worker_threads = N;` first).
#[macro_export]
macro_rules! on_both {
    (worker_threads = $threads:tt; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn sqlite() { super::$name($crate::db::Kind::Sqlite).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn postgres() { super::$name($crate::db::Kind::Postgres).await }
        }
    )*};
    ($($name:ident),* $(,)?) => {
        $crate::on_both!(worker_threads = 2; $($name),*);
    };
}
