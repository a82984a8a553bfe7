//! The child-process driver: any implementation, in any language, that speaks
//! the protocol of `spec/harness-protocol.md` on its standard input and output.
//!
//! [`ProcessImplementation::new`] starts the command once to learn who the
//! testee is (the handshake); sessions then take a process from a pool of idle
//! ones (starting a new one when none is idle, so concurrent trials get one
//! process each), send `new_session`, and give the process back when the
//! session is dropped. A process that crashed, broke the protocol or timed out
//! is killed and never reused ([PROTO-FAIL-03]).
//!
//! Every process has a writer thread (so a testee that stops reading cannot
//! block the harness), a reader thread that turns its standard output into
//! lines, and a thread that keeps the last 8 KiB of its standard error for
//! crash messages. Waiting for a reply is a `recv_timeout` on the reader's
//! channel: no async runtime.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::call::{AbiArg, BreedParam, Call, ModelSummary, Outcome, Output, StopReason};
use crate::implementation::{ImplInfo, Implementation, Session};
use crate::manifest::{parse_hex_bits, parse_hex_bytes};

/// The protocol's name in the handshake.
pub const PROTOCOL: &str = "tinyrustlm-harness";
/// The protocol version this driver speaks.
pub const PROTOCOL_VERSION: u64 = 1;
/// [PROTO-FAIL-02]: the timeout when `CONFORMANCE_TIMEOUT_SECS` is unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// [PROTO-FRAME-03]: the longest frame, line feed excluded.
pub const MAX_FRAME_BYTES: usize = 256 << 20;
/// How much of a testee's standard error crash messages keep.
const STDERR_TAIL_BYTES: usize = 8 << 10;

/// How the driver runs testees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessOptions {
    /// How long to wait for any one reply ([PROTO-FAIL-02]).
    pub timeout: Duration,
    /// Pass the testee's standard error through instead of keeping its tail
    /// for crash messages.
    pub inherit_stderr: bool,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions {
            timeout: DEFAULT_TIMEOUT,
            inherit_stderr: false,
        }
    }
}

impl ProcessOptions {
    /// `CONFORMANCE_TIMEOUT_SECS` (seconds, may have a fraction; default 60)
    /// and `CONFORMANCE_TESTEE_STDERR=inherit`.
    pub fn from_env() -> Result<ProcessOptions, String> {
        let mut o = ProcessOptions::default();
        if let Ok(s) = std::env::var("CONFORMANCE_TIMEOUT_SECS") {
            let secs: f64 = s
                .trim()
                .parse()
                .map_err(|_| format!("CONFORMANCE_TIMEOUT_SECS={s:?} is not a number of seconds"))?;
            o.timeout = Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| format!("CONFORMANCE_TIMEOUT_SECS={s:?} is not a positive number of seconds"))?;
        }
        if let Ok(s) = std::env::var("CONFORMANCE_TESTEE_STDERR") {
            match s.as_str() {
                "inherit" => o.inherit_stderr = true,
                "" | "capture" => {}
                _ => {
                    return Err(format!(
                        "CONFORMANCE_TESTEE_STDERR={s:?}: expected \"inherit\" or \"capture\""
                    ));
                }
            }
        }
        Ok(o)
    }
}

/// An implementation under test that runs as a child process
/// (`spec/harness-protocol.md`).
#[derive(Debug)]
pub struct ProcessImplementation {
    argv: Vec<String>,
    options: ProcessOptions,
    info: ImplInfo,
    idle: Mutex<Vec<Testee>>,
}

impl ProcessImplementation {
    /// Start `command` (split by [`split_command`]; no shell) with the options
    /// of [`ProcessOptions::from_env`], and perform the handshake. An `Err`
    /// names what went wrong: the command cannot start, it exited, or it
    /// speaks another protocol version ([PROTO-HELLO-02]).
    pub fn new(command: &str) -> Result<ProcessImplementation, String> {
        ProcessImplementation::with_options(command, ProcessOptions::from_env()?)
    }

    /// [`ProcessImplementation::new`] with explicit options.
    pub fn with_options(command: &str, options: ProcessOptions) -> Result<ProcessImplementation, String> {
        let argv = split_command(command)?;
        let (testee, info) = Testee::start(&argv, &options).map_err(|e| format!("testee `{command}`: {e}"))?;
        Ok(ProcessImplementation {
            argv,
            options,
            info,
            idle: Mutex::new(vec![testee]),
        })
    }

    /// The program and arguments the driver runs.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    fn take_idle(&self) -> Option<Testee> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()
    }

    fn start(&self) -> Result<Testee, String> {
        let (testee, info) = Testee::start(&self.argv, &self.options)?;
        if info != self.info {
            return Err(format!(
                "a new testee process reports {info:?}, but the first one reported {:?} ([PROTO-HELLO-03])",
                self.info
            ));
        }
        Ok(testee)
    }

    fn open(&self, mut testee: Testee) -> Result<Testee, String> {
        let reply = testee
            .request(frame("new_session"), self.options.timeout)
            .map_err(Failure::into_message)?;
        match reply.get("type").and_then(Value::as_str) {
            Some("ok") => Ok(testee),
            _ => Err(format!(
                "the testee did not accept new_session: {}",
                snippet_value(&reply)
            )),
        }
    }
}

impl Implementation for ProcessImplementation {
    fn info(&self) -> ImplInfo {
        self.info.clone()
    }

    fn new_session(&self) -> Result<Box<dyn Session + '_>, String> {
        // An idle process may have died since its last vector; then start a
        // fresh one (once).
        let testee = match self.take_idle().map(|t| self.open(t)) {
            Some(Ok(t)) => t,
            Some(Err(_)) | None => self.open(self.start()?)?,
        };
        Ok(Box::new(ProcessSession {
            imp: self,
            testee: Some(testee),
            lost: String::new(),
        }))
    }
}

/// One session on one process; the process goes back to the pool on drop.
struct ProcessSession<'a> {
    imp: &'a ProcessImplementation,
    testee: Option<Testee>,
    /// Why the process was discarded, once it was.
    lost: String,
}

impl Session for ProcessSession<'_> {
    fn call(&mut self, call: &Call) -> Outcome {
        let Some(testee) = self.testee.as_mut() else {
            return Outcome::Crashed(format!("the testee was lost earlier in this session: {}", self.lost));
        };
        let result = testee
            .request(encode_call(call), self.imp.options.timeout)
            .and_then(|reply| {
                decode_reply(call, &reply).map_err(|e| {
                    let why = format!("protocol violation: {e}; reply: {}", snippet_value(&reply));
                    Failure::Crashed(testee.crash_report(&why, false))
                })
            });
        match result {
            Ok(outcome) => outcome,
            Err(failure) => {
                let outcome = match failure {
                    Failure::Crashed(m) => Outcome::Crashed(m),
                    Failure::Timeout(m) => Outcome::Timeout(m),
                };
                self.lost = match &outcome {
                    Outcome::Crashed(m) | Outcome::Timeout(m) => m.clone(),
                    _ => String::new(),
                };
                // Dropping the testee kills it ([PROTO-FAIL-03]).
                self.testee = None;
                outcome
            }
        }
    }
}

impl Drop for ProcessSession<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.testee.take() {
            self.imp.idle.lock().unwrap_or_else(PoisonError::into_inner).push(t);
        }
    }
}

/// Split a command line into program and arguments: whitespace separates
/// words, double quotes group (`"a b"` is one word, `""` an empty one), and a
/// backslash makes the next character literal, inside quotes or not.
pub fn split_command(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars
                    .next()
                    .ok_or_else(|| format!("command {command:?} ends with a backslash"))?;
                word.push(next);
                in_word = true;
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err(format!("command {command:?} has an unterminated double quote"));
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err("the testee command is empty".to_string());
    }
    Ok(words)
}

// ---------------------------------------------------------------------------
// One child process.

/// What the reader thread saw on the testee's standard output.
#[derive(Debug)]
enum Line {
    Frame(Vec<u8>),
    /// A line too long, a final line without a line feed, or a read error.
    Bad(String),
    Eof,
}

/// Why a request got no usable reply.
#[derive(Debug)]
enum Failure {
    Crashed(String),
    Timeout(String),
}

impl Failure {
    fn into_message(self) -> String {
        match self {
            Failure::Crashed(m) => m,
            Failure::Timeout(m) => format!("timeout: {m}"),
        }
    }
}

#[derive(Debug, Default)]
struct StderrTail {
    bytes: VecDeque<u8>,
    done: bool,
}

#[derive(Debug)]
struct Testee {
    child: Child,
    /// Frames for the writer thread; dropping it closes the testee's stdin.
    requests: Option<Sender<Vec<u8>>>,
    replies: Receiver<Line>,
    stderr: Arc<Mutex<StderrTail>>,
    next_seq: u64,
}

impl Testee {
    /// Start a process and perform the handshake ([PROTO-HELLO-01]).
    fn start(argv: &[String], options: &ProcessOptions) -> Result<(Testee, ImplInfo), String> {
        let (program, args) = argv.split_first().ok_or("the testee command is empty")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if options.inherit_stderr {
                Stdio::inherit()
            } else {
                Stdio::piped()
            })
            .spawn()
            .map_err(|e| format!("cannot start {program:?}: {e}"))?;
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the testee's standard input or output is not a pipe".to_string());
        };

        let (requests, to_write) = mpsc::channel::<Vec<u8>>();
        thread::spawn(move || {
            for f in to_write {
                if stdin.write_all(&f).and_then(|()| stdin.flush()).is_err() {
                    break;
                }
            }
            // Dropping stdin here closes the testee's standard input.
        });
        let (lines, replies) = mpsc::channel();
        thread::spawn(move || read_lines(stdout, &lines));
        let stderr = Arc::new(Mutex::new(StderrTail::default()));
        match child.stderr.take() {
            Some(pipe) => {
                let tail = Arc::clone(&stderr);
                thread::spawn(move || keep_tail(pipe, &tail));
            }
            None => lock(&stderr).done = true,
        }

        let mut t = Testee {
            child,
            requests: Some(requests),
            replies,
            stderr,
            next_seq: 0,
        };
        let hello = json!({"type": "hello", "protocol": PROTOCOL, "version": PROTOCOL_VERSION});
        let Value::Object(hello) = hello else {
            unreachable!("json! object")
        };
        let reply = t
            .request(hello, options.timeout)
            .map_err(|f| format!("handshake: {}", f.into_message()))?;
        let info = parse_hello(&reply).map_err(|e| format!("handshake: {e}; reply: {}", snippet_value(&reply)))?;
        Ok((t, info))
    }

    /// Send one request and wait for its reply; check framing and `seq`.
    fn request(&mut self, mut request: Map<String, Value>, timeout: Duration) -> Result<Map<String, Value>, Failure> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let what = format!(
            "{} (seq {seq})",
            request
                .get("call")
                .or_else(|| request.get("type"))
                .and_then(Value::as_str)
                .unwrap_or("request")
        );
        request.insert("seq".into(), seq.into());
        let mut bytes = serde_json::to_vec(&Value::Object(request))
            .map_err(|e| Failure::Crashed(format!("cannot encode the request: {e}")))?;
        bytes.push(b'\n');
        let sent = self.requests.as_ref().is_some_and(|s| s.send(bytes).is_ok());
        if !sent {
            return Err(Failure::Crashed(self.crash_report(
                &format!("the testee's standard input is closed; cannot send {what}"),
                true,
            )));
        }
        let line = match self.replies.recv_timeout(timeout) {
            Ok(Line::Frame(l)) => l,
            Ok(Line::Bad(why)) => {
                return Err(Failure::Crashed(
                    self.crash_report(&format!("{why} (waiting for the reply to {what})"), true),
                ));
            }
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                return Err(Failure::Crashed(self.crash_report(
                    &format!("the testee's standard output ended before the reply to {what}"),
                    true,
                )));
            }
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                return Err(Failure::Timeout(format!(
                    "no reply to {what} within {:.1} s; the testee was killed{}",
                    timeout.as_secs_f64(),
                    self.stderr_excerpt(Duration::from_millis(200))
                )));
            }
        };
        let reply = match serde_json::from_slice::<Value>(&line) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(Failure::Crashed(self.crash_report(
                    &format!(
                        "malformed frame (not a JSON object) in reply to {what}: {}",
                        snippet_bytes(&line)
                    ),
                    false,
                )));
            }
            Err(e) => {
                return Err(Failure::Crashed(self.crash_report(
                    &format!("malformed frame ({e}) in reply to {what}: {}", snippet_bytes(&line)),
                    false,
                )));
            }
        };
        match reply.get("seq").and_then(Value::as_u64) {
            Some(s) if s == seq => Ok(reply),
            _ => Err(Failure::Crashed(self.crash_report(
                &format!(
                    "the reply to {what} has seq {}: {}",
                    reply.get("seq").map_or_else(|| "(none)".to_string(), Value::to_string),
                    snippet_value(&reply)
                ),
                false,
            ))),
        }
    }

    fn kill(&mut self) {
        self.requests = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `why` plus the exit status and the end of its standard error. Kills the
    /// process; when its output ended (`exiting`), first waits up to 2 s for
    /// it to exit by itself so that the status is its own.
    fn crash_report(&mut self, why: &str, exiting: bool) -> String {
        let deadline = Instant::now()
            + if exiting {
                Duration::from_secs(2)
            } else {
                Duration::ZERO
            };
        let status: Option<ExitStatus> = loop {
            match self.child.try_wait() {
                Ok(Some(s)) => break Some(s),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                _ => break None,
            }
        };
        self.kill();
        let mut s = why.to_string();
        match status {
            Some(st) => {
                let _ = write!(s, "; {st}");
            }
            None => s.push_str("; the testee was still running and was killed"),
        }
        s.push_str(&self.stderr_excerpt(Duration::from_millis(500)));
        s
    }

    /// The captured end of standard error, waiting up to `wait` for the pipe
    /// to close (so that a crash's last words are in).
    fn stderr_excerpt(&self, wait: Duration) -> String {
        let deadline = Instant::now() + wait;
        while !lock(&self.stderr).done && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        let tail = lock(&self.stderr);
        if tail.bytes.is_empty() {
            return String::new();
        }
        let (a, b) = tail.bytes.as_slices();
        let text = String::from_utf8_lossy(&[a, b].concat()).into_owned();
        format!(
            "\n--- testee stderr (last {} bytes) ---\n{}",
            tail.bytes.len(),
            text.trim_end()
        )
    }
}

impl Drop for Testee {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read_lines(stdout: ChildStdout, lines: &Sender<Line>) {
    let mut r = BufReader::with_capacity(1 << 16, stdout);
    loop {
        let mut line = Vec::new();
        let limit = MAX_FRAME_BYTES as u64 + 1;
        let event = match (&mut r).take(limit).read_until(b'\n', &mut line) {
            Ok(0) => Line::Eof,
            Ok(_) if line.last() == Some(&b'\n') => {
                line.pop();
                Line::Frame(line)
            }
            Ok(n) if n as u64 == limit => {
                Line::Bad(format!("the testee wrote a frame longer than {MAX_FRAME_BYTES} bytes"))
            }
            Ok(_) => Line::Bad(format!(
                "the testee's standard output ended inside a frame (no line feed after {})",
                snippet_bytes(&line)
            )),
            Err(e) => Line::Bad(format!("cannot read the testee's standard output: {e}")),
        };
        let last = !matches!(event, Line::Frame(_));
        if lines.send(event).is_err() || last {
            return;
        }
    }
}

fn keep_tail(mut pipe: ChildStderr, tail: &Mutex<StderrTail>) {
    let mut buf = [0u8; 4096];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let mut t = lock(tail);
                t.bytes.extend(&buf[..n]);
                let excess = t.bytes.len().saturating_sub(STDERR_TAIL_BYTES);
                t.bytes.drain(..excess);
            }
        }
    }
    lock(tail).done = true;
}

fn snippet_bytes(b: &[u8]) -> String {
    const MAX: usize = 300;
    let s = String::from_utf8_lossy(&b[..b.len().min(MAX)]).into_owned();
    if b.len() > MAX {
        format!("{s}… ({} bytes)", b.len())
    } else {
        s
    }
}

fn snippet_value(m: &Map<String, Value>) -> String {
    snippet_bytes(&serde_json::to_vec(m).unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Handshake, requests and replies ([PROTO-HELLO-01], [PROTO-CALL-01], [PROTO-OUT-01]).

fn parse_hello(reply: &Map<String, Value>) -> Result<ImplInfo, String> {
    if reply.get("type").and_then(Value::as_str) != Some("hello") {
        return Err("the reply to hello is not of type \"hello\"".into());
    }
    match reply.get("protocol").and_then(Value::as_str) {
        Some(PROTOCOL) => {}
        other => {
            return Err(format!(
                "the testee speaks protocol {}, not {PROTOCOL:?}",
                other.map_or_else(|| "(none)".to_string(), |p| format!("{p:?}"))
            ));
        }
    }
    match reply.get("version") {
        Some(v) if v.as_u64() == Some(PROTOCOL_VERSION) => {}
        v => {
            return Err(format!(
                "protocol version mismatch: the testee speaks version {}, this harness speaks version {PROTOCOL_VERSION}",
                v.map_or_else(|| "(none)".to_string(), Value::to_string)
            ));
        }
    }
    let imp = reply
        .get("implementation")
        .and_then(Value::as_object)
        .ok_or("the hello reply has no \"implementation\" object")?;
    let name = imp
        .get("name")
        .and_then(Value::as_str)
        .ok_or("implementation.name is missing or not a string")?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(format!(
            "implementation.name {name:?} is not 1 to 64 characters from a-z 0-9 . _ -"
        ));
    }
    let version = imp
        .get("version")
        .and_then(Value::as_str)
        .ok_or("implementation.version is missing or not a string")?;
    let mut profiles = Vec::new();
    for p in imp
        .get("profiles")
        .and_then(Value::as_array)
        .ok_or("implementation.profiles is missing or not an array")?
    {
        let p = p.as_str().ok_or("implementation.profiles holds a non-string")?;
        if profiles.iter().any(|q| q == p) {
            return Err(format!("implementation.profiles lists {p:?} twice"));
        }
        profiles.push(p.to_string());
    }
    Ok(ImplInfo {
        name: name.to_string(),
        version: version.to_string(),
        profiles,
        selected: None,
    })
}

fn frame(kind: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn bits32(v: f32) -> String {
    format!("0x{:08x}", v.to_bits())
}

fn u64_hex(v: u64) -> String {
    format!("0x{v:016x}")
}

/// The request frame (without `seq`) for a call ([PROTO-CALL-01]).
pub fn encode_call(call: &Call) -> Map<String, Value> {
    let mut m = frame("call");
    m.insert("call".into(), call.name().into());
    let mut put = |k: &str, v: Value| {
        m.insert(k.into(), v);
    };
    match call {
        Call::LoadModel { model } => put("model_hex", hex(model).into()),
        Call::ValidateAdapter { adapter } | Call::ApplyAdapter { adapter } => put("adapter_hex", hex(adapter).into()),
        Call::Tokenize { text, add_bos } => {
            put("text_hex", hex(text).into());
            put("add_bos", (*add_bos).into());
        }
        Call::Detokenize { ids } => put("ids", ids.clone().into()),
        Call::Forward { ids, all_positions } => {
            put("ids", ids.clone().into());
            put("all_positions", (*all_positions).into());
        }
        Call::Quantize { dtype, values } => {
            put("dtype", dtype.name().into());
            put("values", values.iter().map(|v| Value::from(bits32(*v))).collect());
        }
        Call::Dequantize { dtype, bytes } => {
            put("dtype", dtype.name().into());
            put("bytes_hex", hex(bytes).into());
        }
        Call::F32ToF16 { value } => put("value", bits32(*value).into()),
        Call::F16ToF32 { value } => put("value", format!("0x{value:04x}").into()),
        Call::Utf8Lossy { bytes } => put("bytes_hex", hex(bytes).into()),
        Call::SetSampling {
            temperature,
            top_k,
            top_p,
            seed,
        } => {
            put("temperature", bits32(*temperature).into());
            put("top_k", (*top_k).into());
            put("top_p", bits32(*top_p).into());
            put("seed", u64_hex(*seed).into());
        }
        Call::Generate { prompt, max_tokens } => {
            put("prompt_hex", hex(prompt).into());
            put("max_tokens", (*max_tokens).into());
        }
        Call::TensorBytes { role, layer } => {
            put("role", (*role).into());
            put("layer", (*layer).into());
        }
        Call::Alloc { buffer, len } => {
            put("buffer", buffer.as_str().into());
            put("len", u64_hex(*len).into());
        }
        Call::Write { buffer, offset, bytes } => {
            put("buffer", buffer.as_str().into());
            put("offset", u64_hex(*offset).into());
            put("bytes_hex", hex(bytes).into());
        }
        Call::Invoke { export, args } => {
            put("export", export.as_str().into());
            put(
                "args",
                args.iter()
                    .map(|a| match a {
                        AbiArg::Value(v) => json!({"value": u64_hex(*v)}),
                        AbiArg::Buffer { name, add } => json!({"buffer": name, "add": u64_hex(*add)}),
                    })
                    .collect(),
            );
        }
        Call::Read { region } => put("region", region.name().into()),
        Call::Breed {
            operator,
            parents,
            params,
            name,
        } => {
            put("operator", operator.as_str().into());
            put("parents_hex", parents.iter().map(|p| Value::from(hex(p))).collect());
            let mut o = Map::new();
            for (k, v) in params {
                o.insert(
                    k.clone(),
                    match v {
                        BreedParam::Int(i) => (*i).into(),
                        BreedParam::Text(t) => t.as_str().into(),
                        BreedParam::Ints(xs) => xs.iter().map(|x| Value::from(*x)).collect(),
                    },
                );
            }
            put("params", Value::Object(o));
            put("name", name.as_str().into());
        }
        Call::BreedVerify {
            receipt,
            child,
            parents,
        } => {
            put("receipt_hex", hex(receipt).into());
            put("child_hex", hex(child).into());
            put("parents_hex", parents.iter().map(|p| Value::from(hex(p))).collect());
        }
        Call::EvalDigest { cases } => put("cases_hex", hex(cases).into()),
        Call::EvalSidecar {
            cases,
            model,
            adapters,
            actuals,
            implementation,
        } => {
            put("cases_hex", hex(cases).into());
            put("model_hex", hex(model).into());
            put("adapters_hex", adapters.iter().map(|a| Value::from(hex(a))).collect());
            put("actuals", actuals.iter().map(|a| Value::from(a.as_str())).collect());
            put(
                "implementation",
                json!({"name": implementation.0, "version": implementation.1}),
            );
        }
        Call::EvalVerify { sidecar, cases } => {
            put("sidecar_hex", hex(sidecar).into());
            put("cases_hex", hex(cases).into());
        }
        Call::RegistryVerify { target, files } => {
            put("target", target.as_str().into());
            put(
                "files_hex",
                Value::Object(files.iter().map(|(k, b)| (k.clone(), Value::from(hex(b)))).collect()),
            );
        }
        Call::Result | Call::GenerateNextToken | Call::Reset | Call::FreeModel | Call::Logits | Call::Diagnostics => {}
    }
    m
}

/// The outcome a reply reports for `call` ([PROTO-REPLY-01]); `Err` is a
/// protocol violation.
pub fn decode_reply(call: &Call, reply: &Map<String, Value>) -> Result<Outcome, String> {
    match reply.get("type").and_then(Value::as_str) {
        Some("ok") => {
            let out = reply
                .get("output")
                .and_then(Value::as_object)
                .ok_or("an ok reply needs an \"output\" object")?;
            decode_output(call, out).map(Outcome::Ok)
        }
        Some("error") => match reply.get("code").and_then(Value::as_u64) {
            Some(c @ 1..=0xFFFF_FFFF) => Ok(Outcome::Error(c as u32)),
            _ => Err("an error reply needs a \"code\" from 1 to 4294967295".into()),
        },
        Some("skipped") => Ok(Outcome::Unsupported(
            reply
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("(no reason given)")
                .to_string(),
        )),
        Some(t) => Err(format!("unknown reply type {t:?}")),
        None => Err("the reply has no \"type\"".into()),
    }
}

fn decode_output(call: &Call, out: &Map<String, Value>) -> Result<Output, String> {
    let exactly = |key: Option<&str>| -> Result<Option<&Value>, String> {
        let keys: Vec<&String> = out.keys().collect();
        match key {
            None if keys.is_empty() => Ok(None),
            Some(k) if keys.len() == 1 && keys[0] == k => Ok(out.get(k)),
            _ => Err(format!(
                "the output of {} must have {}, not {:?}",
                call.name(),
                key.map_or_else(|| "no members".to_string(), |k| format!("exactly the member {k:?}")),
                keys
            )),
        }
    };
    let one = |key: &str| -> Result<&Value, String> { exactly(Some(key)).map(|v| v.unwrap_or(&Value::Null)) };
    Ok(match call {
        Call::LoadModel { .. } => {
            let s: ModelSummary =
                serde_json::from_value(one("summary")?.clone()).map_err(|e| format!("output.summary: {e}"))?;
            Output::Summary(Box::new(s))
        }
        Call::Tokenize { .. } => Output::Ids(u32_array(one("ids")?, "ids")?),
        Call::Detokenize { .. }
        | Call::Result
        | Call::Quantize { .. }
        | Call::TensorBytes { .. }
        | Call::Read { .. }
        | Call::EvalSidecar { .. } => Output::Bytes(hex_field(one("bytes_hex")?, "bytes_hex")?),
        Call::Dequantize { .. } => Output::Values(f32_array(one("values")?, "values")?),
        Call::F32ToF16 { .. } => Output::F16(bits_field(one("value")?, 4, "value")? as u16),
        Call::F16ToF32 { .. } => Output::F32(f32::from_bits(bits_field(one("value")?, 8, "value")? as u32)),
        Call::Utf8Lossy { .. } | Call::EvalDigest { .. } => Output::Text(str_field(one("text")?, "text")?.to_string()),
        Call::SetSampling { .. }
        | Call::Reset
        | Call::FreeModel
        | Call::Write { .. }
        | Call::ValidateAdapter { .. }
        | Call::ApplyAdapter { .. }
        | Call::BreedVerify { .. }
        | Call::EvalVerify { .. }
        | Call::RegistryVerify { .. } => {
            exactly(None)?;
            Output::Done
        }
        Call::Breed { .. } => {
            let b = object(one("breed")?, "breed", &["model_hex", "receipt_hex"])?;
            Output::Breed {
                model: hex_field(&b["model_hex"], "breed.model_hex")?,
                receipt: hex_field(&b["receipt_hex"], "breed.receipt_hex")?,
            }
        }
        Call::Generate { .. } => {
            let g = object(one("generation")?, "generation", &["ids", "bytes_hex", "stop_reason"])?;
            let stop = match str_field(&g["stop_reason"], "generation.stop_reason")? {
                "max_tokens" => StopReason::MaxTokens,
                "eos" => StopReason::Eos,
                "context_full" => StopReason::ContextFull,
                s => {
                    return Err(format!(
                        "generation.stop_reason {s:?} is not max_tokens, eos or context_full"
                    ));
                }
            };
            Output::Generation {
                ids: u32_array(&g["ids"], "generation.ids")?,
                bytes: hex_field(&g["bytes_hex"], "generation.bytes_hex")?,
                stop_reason: stop,
            }
        }
        Call::GenerateNextToken => {
            let t = object(one("token")?, "token", &["id", "bytes_hex"])?;
            Output::Token {
                id: u32_field(&t["id"], "token.id")?,
                bytes: hex_field(&t["bytes_hex"], "token.bytes_hex")?,
            }
        }
        Call::Logits | Call::Forward { .. } => Output::Logits(f32_array(one("logits")?, "logits")?),
        Call::Diagnostics => Output::Diagnostics(str_field(one("diagnostics")?, "diagnostics")?.to_string()),
        Call::Alloc { .. } | Call::Invoke { .. } => Output::Value(bits_field(one("value")?, 16, "value")?),
    })
}

fn object<'v>(v: &'v Value, what: &str, keys: &[&str]) -> Result<&'v Map<String, Value>, String> {
    let m = v.as_object().ok_or_else(|| format!("{what} must be an object"))?;
    if m.len() != keys.len() || !keys.iter().all(|k| m.contains_key(*k)) {
        return Err(format!(
            "{what} must have exactly the members {keys:?}, not {:?}",
            m.keys().collect::<Vec<_>>()
        ));
    }
    Ok(m)
}

fn str_field<'v>(v: &'v Value, what: &str) -> Result<&'v str, String> {
    v.as_str().ok_or_else(|| format!("{what} must be a string"))
}

fn hex_field(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    parse_hex_bytes(str_field(v, what)?).map_err(|e| format!("{what}: {e}"))
}

fn bits_field(v: &Value, digits: usize, what: &str) -> Result<u64, String> {
    parse_hex_bits(str_field(v, what)?, digits).map_err(|e| format!("{what}: {e}"))
}

fn u32_field(v: &Value, what: &str) -> Result<u32, String> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{what} must be an integer from 0 to 4294967295, not {v}"))
}

fn u32_array(v: &Value, what: &str) -> Result<Vec<u32>, String> {
    let a = v.as_array().ok_or_else(|| format!("{what} must be an array"))?;
    a.iter().map(|x| u32_field(x, what)).collect()
}

fn f32_array(v: &Value, what: &str) -> Result<Vec<f32>, String> {
    let a = v.as_array().ok_or_else(|| format!("{what} must be an array"))?;
    a.iter()
        .map(|x| bits_field(x, 8, what).map(|b| f32::from_bits(b as u32)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::{QuantDtype, Region};

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn breed_calls_encode_and_decode_as_the_protocol_table_says() {
        let call = Call::Breed {
            operator: "federated".into(),
            parents: vec![vec![1, 2], vec![0xff]],
            params: vec![
                ("weights_ppm".into(), BreedParam::Ints(vec![500_000, -1])),
                ("seed".into(), BreedParam::Text("0x0000000000000007".into())),
                ("lambda_ppm".into(), BreedParam::Int(-3)),
            ],
            name: "child.slm".into(),
        };
        assert_eq!(
            Value::Object(encode_call(&call)),
            json!({"type": "call", "call": "breed", "operator": "federated", "parents_hex": ["0102", "ff"],
                "params": {"weights_ppm": [500000, -1], "seed": "0x0000000000000007", "lambda_ppm": -3},
                "name": "child.slm"})
        );
        let ok = obj(json!({"type": "ok", "output": {"breed": {"model_hex": "00", "receipt_hex": "7b7d"}}}));
        assert_eq!(
            decode_reply(&call, &ok),
            Ok(Outcome::Ok(Output::Breed {
                model: vec![0],
                receipt: b"{}".to_vec()
            }))
        );
        let extra = obj(json!({"type": "ok", "output": {"breed": {"model_hex": "00", "receipt_hex": "", "x": 1}}}));
        assert!(decode_reply(&call, &extra).is_err());
        let verify = Call::BreedVerify {
            receipt: b"{}".to_vec(),
            child: vec![],
            parents: vec![vec![7]],
        };
        assert_eq!(
            Value::Object(encode_call(&verify)),
            json!({"type": "call", "call": "breed_verify", "receipt_hex": "7b7d", "child_hex": "", "parents_hex": ["07"]})
        );
        assert_eq!(
            decode_reply(&verify, &obj(json!({"type": "error", "code": 631}))),
            Ok(Outcome::Error(631))
        );
    }

    #[test]
    fn split_command_handles_quotes_and_backslashes() {
        assert_eq!(
            split_command("node  t.mjs x.wasm").unwrap(),
            ["node", "t.mjs", "x.wasm"]
        );
        assert_eq!(
            split_command(r#"sh -c "printf '%s' \"a b\"" """#).unwrap(),
            ["sh", "-c", r#"printf '%s' "a b""#, ""]
        );
        assert_eq!(split_command(r"a\ b c").unwrap(), ["a b", "c"]);
        assert!(split_command("  ").is_err());
        assert!(split_command("a \"b").is_err());
        assert!(split_command("a\\").is_err());
    }

    #[test]
    fn calls_encode_as_the_protocol_table_says() {
        let enc = |c: &Call| Value::Object(encode_call(c));
        assert_eq!(
            enc(&Call::Tokenize {
                text: b"a\n".to_vec(),
                add_bos: true
            }),
            json!({"type": "call", "call": "tokenize", "text_hex": "610a", "add_bos": true})
        );
        assert_eq!(
            enc(&Call::SetSampling {
                temperature: -0.0,
                top_k: 7,
                top_p: 1.0,
                seed: 1 << 40
            }),
            json!({"type": "call", "call": "set_sampling", "temperature": "0x80000000", "top_k": 7,
                   "top_p": "0x3f800000", "seed": "0x0000010000000000"})
        );
        assert_eq!(
            enc(&Call::Quantize {
                dtype: QuantDtype::Q4_0,
                values: vec![f32::from_bits(0x7fc0_0001)]
            }),
            json!({"type": "call", "call": "quantize", "dtype": "q4_0", "values": ["0x7fc00001"]})
        );
        assert_eq!(
            enc(&Call::F16ToF32 { value: 0x3c00 }),
            json!({"type": "call", "call": "f16_to_f32", "value": "0x3c00"})
        );
        assert_eq!(
            enc(&Call::Invoke {
                export: "slm_free".into(),
                args: vec![
                    AbiArg::Buffer {
                        name: "a".into(),
                        add: u64::MAX
                    },
                    AbiArg::Value(3)
                ]
            }),
            json!({"type": "call", "call": "invoke", "export": "slm_free",
                   "args": [{"buffer": "a", "add": "0xffffffffffffffff"}, {"value": "0x0000000000000003"}]})
        );
        assert_eq!(
            enc(&Call::Write {
                buffer: "m".into(),
                offset: 2,
                bytes: vec![]
            }),
            json!({"type": "call", "call": "write", "buffer": "m", "offset": "0x0000000000000002", "bytes_hex": ""})
        );
        assert_eq!(
            enc(&Call::Read { region: Region::Output }),
            json!({"type": "call", "call": "read", "region": "output"})
        );
        assert_eq!(enc(&Call::Logits), json!({"type": "call", "call": "logits"}));
        assert_eq!(
            enc(&Call::Forward {
                ids: vec![72, 105],
                all_positions: true
            }),
            json!({"type": "call", "call": "forward", "ids": [72, 105], "all_positions": true})
        );
    }

    #[test]
    fn replies_decode_per_call_and_reject_other_shapes() {
        let ok = |out: Value| obj(json!({"seq": 1, "type": "ok", "output": out}));
        let gen_call = Call::Generate {
            prompt: vec![],
            max_tokens: 1,
        };
        assert_eq!(
            decode_reply(
                &gen_call,
                &ok(json!({"generation": {"ids": [1, 2], "bytes_hex": "6162", "stop_reason": "eos"}}))
            ),
            Ok(Outcome::Ok(Output::Generation {
                ids: vec![1, 2],
                bytes: b"ab".to_vec(),
                stop_reason: StopReason::Eos
            }))
        );
        assert_eq!(
            decode_reply(
                &Call::GenerateNextToken,
                &ok(json!({"token": {"id": 5, "bytes_hex": ""}}))
            ),
            Ok(Outcome::Ok(Output::Token { id: 5, bytes: vec![] }))
        );
        assert_eq!(
            decode_reply(&Call::F32ToF16 { value: 1.0 }, &ok(json!({"value": "0x3c00"}))),
            Ok(Outcome::Ok(Output::F16(0x3c00)))
        );
        let forward = Call::Forward {
            ids: vec![1],
            all_positions: false,
        };
        assert_eq!(
            decode_reply(&forward, &ok(json!({"logits": ["0x3f800000"]}))),
            Ok(Outcome::Ok(Output::Logits(vec![1.0])))
        );
        assert!(decode_reply(&forward, &ok(json!({"generation": {}}))).is_err());
        let logits = decode_reply(&Call::Logits, &ok(json!({"logits": ["0xffc00001", "0x80000000"]})));
        let Ok(Outcome::Ok(Output::Logits(l))) = logits else {
            panic!("{logits:?}")
        };
        assert_eq!(
            l.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            [0xffc0_0001, 0x8000_0000]
        );
        assert_eq!(
            decode_reply(&Call::Reset, &ok(json!({}))),
            Ok(Outcome::Ok(Output::Done))
        );
        assert_eq!(
            decode_reply(
                &Call::Alloc {
                    buffer: "a".into(),
                    len: 1
                },
                &ok(json!({"value": "0x0000000000000001"}))
            ),
            Ok(Outcome::Ok(Output::Value(1)))
        );
        assert_eq!(
            decode_reply(&Call::Diagnostics, &ok(json!({"diagnostics": "{\"a\":\"\\u003c\"}"}))),
            Ok(Outcome::Ok(Output::Diagnostics("{\"a\":\"\\u003c\"}".into())))
        );
        assert_eq!(
            decode_reply(&Call::Reset, &obj(json!({"seq": 1, "type": "error", "code": 302}))),
            Ok(Outcome::Error(302))
        );
        assert_eq!(
            decode_reply(&Call::Reset, &obj(json!({"seq": 1, "type": "skipped", "reason": "no"}))),
            Ok(Outcome::Unsupported("no".into()))
        );

        // Violations.
        let bad: [(&Call, Map<String, Value>); 9] = [
            (&Call::Reset, ok(json!({"x": 1}))),
            (&Call::Result, ok(json!({"bytes_hex": "6G"}))),
            (&Call::Result, ok(json!({"bytes_hex": "6162", "extra": 1}))),
            (&Call::F32ToF16 { value: 1.0 }, ok(json!({"value": "0x3C00"}))),
            (
                &Call::Tokenize {
                    text: vec![],
                    add_bos: false,
                },
                ok(json!({"ids": [4294967296u64]})),
            ),
            (
                &gen_call,
                ok(json!({"generation": {"ids": [], "bytes_hex": "", "stop_reason": "done"}})),
            ),
            (&Call::Reset, obj(json!({"seq": 1, "type": "error", "code": 0}))),
            (&Call::Reset, obj(json!({"seq": 1, "type": "crashed"}))),
            (
                &Call::LoadModel { model: vec![] },
                ok(json!({"summary": {"architecture": "llama"}})),
            ),
        ];
        for (call, reply) in bad {
            assert!(decode_reply(call, &reply).is_err(), "{reply:?}");
        }
    }

    #[test]
    fn hello_checks_protocol_name_version_and_identity() {
        let hello = |v: Value| parse_hello(&obj(v));
        let good = json!({"seq": 0, "type": "hello", "protocol": "tinyrustlm-harness", "version": 1,
                          "implementation": {"name": "x-1.2_3", "version": "v", "profiles": ["quant"]}});
        assert_eq!(
            hello(good.clone()),
            Ok(ImplInfo {
                name: "x-1.2_3".into(),
                version: "v".into(),
                profiles: vec!["quant".into()],
                selected: None,
            })
        );
        let mut v2 = good.clone();
        v2["version"] = json!(2);
        let e = hello(v2).unwrap_err();
        assert!(e.contains("version 2") && e.contains("version 1"), "{e}");
        let mut other = good.clone();
        other["protocol"] = json!("other");
        assert!(hello(other).is_err());
        let mut upper = good.clone();
        upper["implementation"]["name"] = json!("Node");
        assert!(hello(upper).is_err());
        let mut twice = good;
        twice["implementation"]["profiles"] = json!(["quant", "quant"]);
        assert!(hello(twice).is_err());
    }

    // Processes: tiny POSIX-sh testees in testees/fake/ (shell builtins only).
    #[cfg(unix)]
    mod processes {
        use super::super::*;

        fn fake(mode: &str, timeout_ms: u64) -> Result<ProcessImplementation, String> {
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../testees/fake/testee.sh");
            ProcessImplementation::with_options(
                &format!("sh \"{script}\" {mode}"),
                ProcessOptions {
                    timeout: Duration::from_millis(timeout_ms),
                    inherit_stderr: false,
                },
            )
        }

        fn f16(s: &mut Box<dyn Session + '_>) -> Outcome {
            s.call(&Call::F16ToF32 { value: 0x3c00 })
        }

        fn one() -> Outcome {
            Outcome::Ok(Output::F32(1.0))
        }

        #[test]
        fn handshake_reports_the_testee_and_calls_map_to_outcomes() {
            let imp = fake("normal", 5000).unwrap();
            assert_eq!(
                imp.info(),
                ImplInfo {
                    name: "fake".into(),
                    version: "0.0.0 normal".into(),
                    profiles: vec!["quant".into()],
                    selected: None,
                }
            );
            let mut s = imp.new_session().unwrap();
            assert_eq!(f16(&mut s), one());
            assert_eq!(s.call(&Call::FreeModel), Outcome::Error(2));
            assert_eq!(s.call(&Call::Reset), Outcome::Ok(Output::Done));
            assert!(matches!(s.call(&Call::Logits), Outcome::Unsupported(r) if r.contains("fake")));
        }

        #[test]
        fn conformance_profiles_intersect_with_the_claim_and_skips_name_the_side() {
            use crate::expectations::Expectations;
            use crate::implementation::Selected;
            use crate::manifest::{Expected, Step, Vector};
            use crate::run::{Status, run_vector};
            use crate::spec::{Level, Spec};
            let spec = Spec::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))).unwrap();
            let vector = |profile: &str| Vector {
                id: format!("x::{profile}"),
                profile: profile.into(),
                level: Level::Required,
                requirements: vec![],
                description: "f16 0x3c00 is 1.0".into(),
                steps: vec![Step {
                    call: Call::F16ToF32 { value: 0x3c00 },
                    expect: Expected::Output(Output::F32(1.0)),
                }],
            };
            // the fake testee claims "quant" only
            let run = |selection: Option<&[&str]>, profile: &str| {
                let fake: Arc<dyn Implementation> = Arc::new(fake("normal", 5000).unwrap());
                let imp: Arc<dyn Implementation> = match selection {
                    Some(s) => Arc::new(Selected::new(fake, s.iter().map(|p| p.to_string()).collect())),
                    None => fake,
                };
                let info = imp.info();
                assert_eq!(info.profiles, ["quant"], "the claim itself is unchanged");
                run_vector(&spec, imp.as_ref(), &info, &Expectations::default(), &vector(profile))
            };
            let skipped = |s: Status| match s {
                Status::Skipped { reason } => reason,
                other => panic!("expected a skip, got {other:?}"),
            };
            assert!(matches!(run(None, "quant"), Status::Passed { .. }));
            assert!(matches!(
                run(Some(&["quant", "container"]), "quant"),
                Status::Passed { .. }
            ));
            let r = skipped(run(Some(&["container"]), "quant"));
            assert!(
                r.contains("claimed by fake but not selected (CONFORMANCE_PROFILES=container)"),
                "{r}"
            );
            let r = skipped(run(Some(&["quant", "container"]), "container"));
            assert!(r.contains("not claimed by fake") && !r.contains("selected"), "{r}");
            let r = skipped(run(Some(&["quant"]), "tokenizer"));
            assert!(r.contains("neither claimed by fake nor selected"), "{r}");
            let r = skipped(run(None, "tokenizer"));
            assert_eq!(r, "profile \"tokenizer\" not claimed by fake");
        }

        #[test]
        fn handshake_version_mismatch_is_an_error() {
            let e = fake("version2", 5000).unwrap_err();
            assert!(e.contains("version mismatch") && e.contains("version 2"), "{e}");
        }

        #[test]
        fn testee_exiting_at_startup_is_an_error_with_its_stderr() {
            let e = fake("die-at-start", 5000).unwrap_err();
            assert!(
                e.contains("handshake") && e.contains("no such wasm file") && e.contains("exit status: 1"),
                "{e}"
            );
        }

        #[test]
        fn crash_mid_vector_is_crashed_and_the_next_session_respawns() {
            let imp = fake("crash-on-reset", 5000).unwrap();
            let mut s = imp.new_session().unwrap();
            assert_eq!(f16(&mut s), one());
            let Outcome::Crashed(m) = s.call(&Call::Reset) else {
                panic!("not crashed")
            };
            assert!(m.contains("exit status: 3") && m.contains("crashing on purpose"), "{m}");
            // The rest of that session reports the loss without talking to anything.
            assert!(matches!(f16(&mut s), Outcome::Crashed(m) if m.contains("lost earlier")));
            drop(s);
            let mut s = imp.new_session().unwrap();
            assert_eq!(f16(&mut s), one());
        }

        #[test]
        fn hang_is_timeout_within_the_configured_time_and_the_next_session_respawns() {
            let imp = fake("hang-on-reset", 300).unwrap();
            let mut s = imp.new_session().unwrap();
            let t = Instant::now();
            let Outcome::Timeout(m) = s.call(&Call::Reset) else {
                panic!("not timeout")
            };
            assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
            assert!(m.contains("0.3 s") && m.contains("hanging on purpose"), "{m}");
            drop(s);
            let mut s = imp.new_session().unwrap();
            assert_eq!(f16(&mut s), one());
        }

        #[test]
        fn wrong_seq_is_crashed() {
            let imp = fake("wrong-seq-on-reset", 5000).unwrap();
            let mut s = imp.new_session().unwrap();
            let Outcome::Crashed(m) = s.call(&Call::Reset) else {
                panic!("not crashed")
            };
            assert!(m.contains("seq 999"), "{m}");
            drop(s);
            assert_eq!(f16(&mut imp.new_session().unwrap()), one());
        }

        #[test]
        fn malformed_frames_are_crashed() {
            for (mode, says) in [
                ("garbage-on-reset", "malformed frame"),
                ("bad-output-on-reset", "protocol violation"),
                ("partial-on-reset", "inside a frame"),
            ] {
                let imp = fake(mode, 5000).unwrap();
                let mut s = imp.new_session().unwrap();
                let Outcome::Crashed(m) = s.call(&Call::Reset) else {
                    panic!("{mode}: not crashed")
                };
                assert!(m.contains(says), "{mode}: {m}");
            }
        }

        #[test]
        fn concurrent_sessions_get_their_own_processes_and_return_them_to_the_pool() {
            let imp = fake("normal", 5000).unwrap();
            let mut a = imp.new_session().unwrap();
            let mut b = imp.new_session().unwrap();
            assert_eq!(f16(&mut a), one());
            assert_eq!(f16(&mut b), one());
            drop(a);
            drop(b);
            assert_eq!(imp.idle.lock().unwrap().len(), 2);
            // Sessions on threads: Implementation is Sync.
            thread::scope(|sc| {
                for _ in 0..3 {
                    sc.spawn(|| assert_eq!(f16(&mut imp.new_session().unwrap()), one()));
                }
            });
            assert!(imp.idle.lock().unwrap().len() <= 3);
        }
    }
}
