//! nginx from Debian's packages in front of one or several server processes, `least_conn` as
//! the real service's local setup (issue 13: what one and two instances on one database reach).
//! The same proxy hop is measured with one upstream and with two, so the comparison is of the
//! instances, not of the proxy.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::load::{Target, Template, send_once};

pub const NGINX: &str = "/usr/sbin/nginx";

/// Whether Debian's nginx is installed.
pub fn available() -> bool {
    Path::new(NGINX).exists()
}

/// nginx in the foreground on its own configuration in `dir`; stopped when dropped.
pub struct Balancer {
    child: Child,
    dir: PathBuf,
    pub target: Target,
}

fn config(dir: &Path, listen: std::net::SocketAddr, upstreams: &[Target]) -> String {
    let servers: String = upstreams
        .iter()
        .map(|u| format!("        server {} max_fails=0;\n", u.addr))
        .collect();
    let d = dir.display();
    // One worker per CPU, keep-alive to the upstreams, no access log (it would cost the
    // proxy more than the requests do).
    format!(
        "worker_processes auto;\ndaemon off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n\
             access_log off;\n\
             client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n\
             upstream dialogporten {{\n        least_conn;\n{servers}        keepalive 128;\n    }}\n\
             server {{\n        listen {listen};\n        keepalive_requests 100000;\n\
                 location / {{\n\
                 proxy_pass http://dialogporten;\n            proxy_http_version 1.1;\n\
                 proxy_set_header Connection \"\";\n            proxy_set_header Host $http_host;\n\
                 proxy_buffering off;\n\
             }}\n    }}\n}}\n"
    )
}

impl Balancer {
    /// Starts nginx on `listen` in front of `upstreams` and waits until `/health` answers.
    pub async fn start(
        dir: &Path,
        listen: std::net::SocketAddr,
        upstreams: &[Target],
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("nginx.conf");
        std::fs::write(&path, config(dir, listen, upstreams))?;
        let child = Command::new(NGINX)
            .arg("-c")
            .arg(&path)
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {NGINX}"))?;
        let balancer = Self {
            child,
            dir: dir.to_owned(),
            target: Target::new(listen),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok((200, _)) = send_once(&balancer.target, &Template::get("/health")).await {
                return Ok(balancer);
            }
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(balancer.dir.join("error.log")).unwrap_or_default();
                anyhow::bail!("nginx on {listen} did not answer /health; error.log:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
