//! A NATS client of the few operations wcomp needs (connect, subscribe,
//! publish, request/reply), over the text protocol on a tokio socket.
//!
//! Why not `async-nats`: it brings its own TLS stack, `nkeys`, signatures
//! and a dozen crates for JetStream and reconnection that a short-lived CLI
//! talking to a lattice for a few seconds never uses; the part of the
//! protocol used here (`CONNECT`, `SUB`, `UNSUB`, `PUB`, `MSG`, `PING`)
//! fits in this file and compiles in a second.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{Mutex, mpsc};

/// A message received on a subscription.
#[derive(Debug)]
pub struct Message {
    pub payload: Vec<u8>,
}

type Routes = Arc<std::sync::Mutex<HashMap<u64, mpsc::UnboundedSender<Message>>>>;

/// A connection to a NATS server.
pub struct Nats {
    writer: Arc<Mutex<OwnedWriteHalf>>,
    routes: Routes,
    next_sid: AtomicU64,
    inbox: String,
    reader: tokio::task::JoinHandle<()>,
}

/// Why a NATS operation failed, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    #[error("`{0}` is not a NATS URL (`nats://HOST:PORT`)")]
    BadUrl(String),
    #[error("cannot reach NATS at `{addr}`: {reason}")]
    Unreachable { addr: String, reason: String },
    #[error("NATS at `{addr}` refused the connection: {reason}")]
    Refused { addr: String, reason: String },
    #[error("the NATS connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("no answer on `{0}` in time")]
    Timeout(String),
}

/// `HOST:PORT` of `nats://HOST:PORT` (or of a bare `HOST:PORT`).
pub fn address(url: &str) -> Result<String, NatsError> {
    let rest = url.strip_prefix("nats://").unwrap_or(url);
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(rest.to_owned())
        }
        None if !rest.is_empty() && !rest.contains('/') => Ok(format!("{rest}:4222")),
        _ => Err(NatsError::BadUrl(url.to_owned())),
    }
}

impl Nats {
    /// Connects to `url` and checks the server accepted us (a `PING` is
    /// answered), within `timeout`.
    pub async fn connect(url: &str, timeout: Duration) -> Result<Nats, NatsError> {
        let addr = address(url)?;
        let unreachable = |reason: String| NatsError::Unreachable {
            addr: addr.clone(),
            reason,
        };
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| unreachable("no answer in time".into()))?
            .map_err(|e| unreachable(e.to_string()))?;
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        let mut line = String::new();
        let handshake = async {
            read.read_line(&mut line).await?;
            if !line.starts_with("INFO") {
                return Ok::<_, std::io::Error>(Err(format!(
                    "it is not a NATS server (said `{}`)",
                    line.trim()
                )));
            }
            write
                .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"wcomp\",\"lang\":\"rust\",\"protocol\":1}\r\nPING\r\n")
                .await?;
            line.clear();
            read.read_line(&mut line).await?;
            if line.starts_with("PONG") {
                Ok(Ok(()))
            } else {
                Ok(Err(line.trim().to_owned()))
            }
        };
        match tokio::time::timeout(timeout, handshake).await {
            Err(_) => return Err(unreachable("no handshake in time".into())),
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Ok(Ok(Err(reason))) => return Err(NatsError::Refused { addr, reason }),
            Ok(Ok(Ok(()))) => {}
        }
        let writer = Arc::new(Mutex::new(write));
        let routes: Routes = Arc::default();
        let reader = tokio::spawn(read_loop(read, writer.clone(), routes.clone()));
        let inbox = format!(
            "_INBOX.wcomp{}x{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        Ok(Nats {
            writer,
            routes,
            next_sid: AtomicU64::new(1),
            inbox,
            reader,
        })
    }

    /// Messages on `subject` (wildcards allowed) from now on, and the id to
    /// unsubscribe with.
    pub async fn subscribe(
        &self,
        subject: &str,
    ) -> Result<(u64, mpsc::UnboundedReceiver<Message>), NatsError> {
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sid, tx);
        self.send(format!("SUB {subject} {sid}\r\n").as_bytes())
            .await?;
        Ok((sid, rx))
    }

    pub async fn unsubscribe(&self, sid: u64) -> Result<(), NatsError> {
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sid);
        self.send(format!("UNSUB {sid}\r\n").as_bytes()).await
    }

    /// Sends `payload` to `subject` and waits up to `timeout` for the one
    /// answer.
    pub async fn request(
        &self,
        subject: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Vec<u8>, NatsError> {
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let reply = format!("{}.{sid}", self.inbox);
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sid, tx);
        let mut frame = format!(
            "SUB {reply} {sid}\r\nPUB {subject} {reply} {}\r\n",
            payload.len()
        )
        .into_bytes();
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame).await?;
        let answer = tokio::time::timeout(timeout, rx.recv()).await;
        self.unsubscribe(sid).await?;
        match answer {
            Ok(Some(message)) => Ok(message.payload),
            Ok(None) => Err(NatsError::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ))),
            Err(_) => Err(NatsError::Timeout(subject.to_owned())),
        }
    }

    async fn send(&self, bytes: &[u8]) -> Result<(), NatsError> {
        let mut writer = self.writer.lock().await;
        writer.write_all(bytes).await?;
        writer.flush().await?;
        Ok(())
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Reads the server's messages, routing each `MSG` to its subscription
/// and answering `PING`s, until the connection ends (which closes every
/// subscription's channel).
async fn read_loop(
    mut read: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: Arc<Mutex<OwnedWriteHalf>>,
    routes: Routes,
) {
    let mut line = String::new();
    loop {
        line.clear();
        match read.read_line(&mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first().copied() {
            Some("MSG") if words.len() >= 4 => {
                let Ok(len) = words[words.len() - 1].parse::<usize>() else {
                    break;
                };
                let mut payload = vec![0; len + 2];
                if read.read_exact(&mut payload).await.is_err() {
                    break;
                }
                payload.truncate(len);
                let sid: u64 = words[2].parse().unwrap_or_default();
                let route = routes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&sid)
                    .cloned();
                if let Some(route) = route {
                    let _ = route.send(Message { payload });
                }
            }
            Some("PING") => {
                let mut w = writer.lock().await;
                if w.write_all(b"PONG\r\n").await.is_err() {
                    break;
                }
            }
            _ => {}
        }
    }
    routes.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(address("nats://127.0.0.1:4222").unwrap(), "127.0.0.1:4222");
        assert_eq!(address("localhost").unwrap(), "localhost:4222");
        assert!(address("nats://host:notaport").is_err());
        assert!(address("http://x/y").is_err());
    }

    /// The client against a scripted server: handshake, a request and
    /// its reply, a PING answered.
    #[tokio::test]
    async fn request_reply_against_a_scripted_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (r, mut w) = stream.into_split();
            let mut r = BufReader::new(r);
            w.write_all(b"INFO {}\r\n").await.unwrap();
            let mut line = String::new();
            r.read_line(&mut line).await.unwrap(); // CONNECT
            line.clear();
            r.read_line(&mut line).await.unwrap();
            assert_eq!(line, "PING\r\n");
            w.write_all(b"PONG\r\nPING\r\n").await.unwrap();
            let mut lines = Vec::new();
            for _ in 0..4 {
                line.clear();
                r.read_line(&mut line).await.unwrap();
                lines.push(line.clone());
            }
            // PONG, SUB reply sid, PUB subject reply len (+ payload line)
            let sub: Vec<&str> = lines
                .iter()
                .find(|l| l.starts_with("SUB"))
                .unwrap()
                .split_whitespace()
                .collect();
            let (inbox, sid) = (sub[1].to_owned(), sub[2].to_owned());
            w.write_all(format!("MSG {inbox} {sid} 2\r\nok\r\n").as_bytes())
                .await
                .unwrap();
            lines
        });
        let nats = Nats::connect(&format!("nats://{addr}"), Duration::from_secs(5))
            .await
            .unwrap();
        let answer = nats
            .request("runtime.host.h.heartbeat", b"{}", Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(answer, b"ok");
        let lines = server.await.unwrap();
        assert!(lines.iter().any(|l| l == "PONG\r\n"), "{lines:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("PUB runtime.host.h.heartbeat _INBOX.")),
            "{lines:?}"
        );
    }

    #[tokio::test]
    async fn unreachable_is_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let error = Nats::connect(&format!("nats://{addr}"), Duration::from_secs(2))
            .await
            .err()
            .unwrap();
        assert!(matches!(error, NatsError::Unreachable { .. }), "{error}");
    }
}
