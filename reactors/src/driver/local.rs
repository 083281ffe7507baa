//! The local driver: a deployment is a supervised process on this machine.
//!
//! It works on any machine, with no cloud: the provider maps each deployment type to a program
//! (by default the reactor's own `workload` subcommand, a small HTTP service), and a deployment
//! is that program started with its own port on loopback. The subscriber's descriptor reaches
//! the program as `DINFRA_DESCRIPTOR`; the subscriber never chooses what runs, the provider
//! does, as a cloud provider picks the hypervisor.
//!
//! - **Supervised.** A program that exits is restarted with backoff, up to `max_restarts`
//!   times in a row; one that keeps crashing is left stopped, and the reconciler sees it.
//! - **Durable.** Each deployment is a record in `state_dir` (its port, program and process),
//!   written before the process starts. A reactor that restarts adopts the processes that
//!   still run (checked by pid *and* start time, so a reused pid is not mistaken for ours)
//!   and never starts a second copy.
//! - **State kept while suspended.** Each deployment has its own state directory,
//!   `state_dir/<subscription>/`, which the program gets as `DINFRA_STATE_DIR` (and `{state_dir}`
//!   in its arguments). Suspending stops the program (SIGTERM, then SIGKILL) and marks the record
//!   suspended; the directory, the port and the record stay. Resuming starts the program again
//!   on the same port, over the same directory. A reactor that restarts leaves a suspended
//!   deployment stopped (and stops its program, if a crash left it running).
//! - **A kept port taken.** If another program on the host took a deployment's port while its
//!   program was stopped (suspended, or dead while the reactor was down), nothing is started
//!   on it and the resume or provision is refused for now (`Unavailable`, tried again), so that
//!   nobody else's listener passes for the deployment's readiness.
//! - **Stopped for good.** Deprovisioning sends SIGTERM to the program's process group, then
//!   SIGKILL after a grace period, and removes the record and the state directory.

use super::{Driver, DriverError, Instance, InstanceState, Spec};
use nix::{
	sys::signal::{kill, killpg, Signal},
	unistd::Pid,
};
use serde::{Deserialize, Serialize};
use std::{
	collections::{BTreeMap, HashMap},
	net::{IpAddr, Ipv4Addr, SocketAddr},
	path::{Path, PathBuf},
	sync::{Arc, Mutex},
	time::Duration,
};
use tokio::{process::Command, sync::watch};
use tokio_util::sync::CancellationToken;

/// A program the provider runs for a deployment type. In `args` and `env` values, `{port}`,
/// `{host}` and `{subscription}` are replaced by the deployment's own.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Program {
	/// The executable.
	pub command: PathBuf,
	/// Its arguments.
	#[serde(default)]
	pub args: Vec<String>,
	/// Extra environment variables.
	#[serde(default)]
	pub env: BTreeMap<String, String>,
}

/// The local driver's settings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct LocalConfig {
	/// Where deployment records and program logs are kept.
	pub state_dir: PathBuf,
	/// The address programs listen on (`{host}`), and that endpoints name unless
	/// `endpoint_host` is set. `0.0.0.0` listens on every interface.
	pub host: IpAddr,
	/// The host name or address that endpoints name, when clients reach the programs by
	/// another address than `host`: the ports a container publishes, a public address in front
	/// of NAT. An IPv6 address is written in brackets. `None`: `host`.
	pub endpoint_host: Option<String>,
	/// The first port handed to a deployment.
	pub first_port: u16,
	/// The last port handed to a deployment.
	pub last_port: u16,
	/// The program for each deployment type, keyed by the type's id on chain.
	pub programs: BTreeMap<String, Program>,
	/// The program for types not in `programs`; `None` refuses them.
	pub default_program: Option<Program>,
	/// How long a program has to accept connections on its port, in milliseconds.
	pub ready_timeout_ms: u64,
	/// Restarts in a row before a crashing program is left stopped.
	pub max_restarts: u32,
	/// How long a program has to exit after SIGTERM before SIGKILL, in milliseconds.
	pub stop_grace_ms: u64,
}

impl Default for LocalConfig {
	fn default() -> Self {
		let me = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("dinfra-reactor"));
		LocalConfig {
			state_dir: PathBuf::from("reactor-data/local"),
			host: IpAddr::V4(Ipv4Addr::LOCALHOST),
			endpoint_host: None,
			first_port: 20_000,
			last_port: 20_999,
			programs: BTreeMap::new(),
			default_program: Some(Program {
				command: me,
				args: vec!["workload".into(), "--listen".into(), "{host}:{port}".into()],
				env: BTreeMap::new(),
			}),
			ready_timeout_ms: 10_000,
			max_restarts: 5,
			stop_grace_ms: 5_000,
		}
	}
}

/// What is kept on disk for each deployment.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
struct Record {
	subscription: u64,
	deployment_type: u32,
	port: u16,
	program: Program,
	descriptor: serde_json::Value,
	/// The running process: its pid and its start time in clock ticks since boot.
	process: Option<(i32, u64)>,
	/// The token of the last start, recorded before the process exists and passed to it as
	/// `DINFRA_LAUNCH`: a reactor that crashed between starting a program and recording its pid
	/// finds the program by it, instead of starting a second copy beside a lost one.
	#[serde(default)]
	launch: Option<String>,
	/// Suspended: the program is stopped on purpose and its state directory kept; it is not
	/// started again until resumed.
	#[serde(default)]
	suspended: bool,
}

/// A token that names one start of one deployment's program.
fn launch_token(subscription: u64) -> String {
	let nanos = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map_or(0, |d| d.as_nanos());
	format!("{subscription}-{nanos}")
}

/// The process group leader started with launch token `token`, if one still runs: its pid and
/// start time.
fn find_launched(token: &str) -> Option<(i32, u64)> {
	let wanted = format!("DINFRA_LAUNCH={token}");
	let entries = std::fs::read_dir("/proc").ok()?;
	entries.flatten().find_map(|entry| {
		let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
		let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
		if !environ.split(|b| *b == 0).any(|var| var == wanted.as_bytes()) {
			return None;
		}
		// Its children inherit the variable; the program is the leader of its own group.
		let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
		let mut after = stat.get(stat.rfind(')')? + 2..)?.split(' ');
		let (state, group) = (after.next()?, after.nth(1)?.parse::<i32>().ok()?);
		if group != pid || state == "Z" {
			return None;
		}
		start_time(pid).map(|started| (pid, started))
	})
}

/// What the supervisor of one deployment reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
	Alive,
	/// Exited too often; left stopped.
	GaveUp,
}

struct Supervised {
	record: Mutex<Record>,
	life: watch::Receiver<Life>,
	stop: CancellationToken,
	done: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Supervised {
	/// A deployment that nothing runs or restarts: a suspended one (`Alive`), or one whose
	/// program could not be brought back (`GaveUp`, so that the next provision starts it anew).
	fn idle(record: Record, state: Life) -> Supervised {
		let (_, life) = watch::channel(state);
		let stop = CancellationToken::new();
		stop.cancel();
		Supervised { record: Mutex::new(record), life, stop, done: Mutex::new(None) }
	}

	fn suspended(&self) -> bool {
		self.record.lock().is_ok_and(|r| r.suspended)
	}
}

/// Deployments as local processes.
pub struct LocalDriver {
	config: LocalConfig,
	deployments: tokio::sync::Mutex<HashMap<u64, Arc<Supervised>>>,
}

/// A process's state letter and start time (clock ticks since boot), from `/proc`.
fn proc_stat(pid: i32) -> Option<(String, u64)> {
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
	// The command name (field 2) may hold spaces; the fields after it are space-separated:
	// the state is field 3, the start time field 22.
	let mut after = stat.get(stat.rfind(')')? + 2..)?.split(' ');
	let state = after.next()?.to_string();
	Some((state, after.nth(18)?.parse().ok()?))
}

fn start_time(pid: i32) -> Option<u64> {
	proc_stat(pid).map(|(_, started)| started)
}

/// Whether the recorded process still runs: same pid, same start time, not a zombie.
fn alive(process: Option<(i32, u64)>) -> bool {
	process.is_some_and(|(pid, started)| {
		kill(Pid::from_raw(pid), None).is_ok()
			&& proc_stat(pid).is_some_and(|(state, t)| state != "Z" && t == started)
	})
}

fn record_path(dir: &Path, subscription: u64) -> PathBuf {
	dir.join(format!("{subscription}.json"))
}

/// The deployment's own state directory, kept while it is suspended.
fn state_path(dir: &Path, subscription: u64) -> PathBuf {
	dir.join(subscription.to_string())
}

/// Stops a recorded process's group: SIGTERM, then SIGKILL after `grace`.
async fn stop_process(process: Option<(i32, u64)>, grace: Duration) {
	let Some((pid, _)) = process.filter(|_| alive(process)) else { return };
	let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
	let deadline = tokio::time::Instant::now() + grace;
	while alive(process) && tokio::time::Instant::now() < deadline {
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	if alive(process) {
		tracing::warn!(pid, "program ignored SIGTERM; killing it");
		let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
	}
}

fn write_record(dir: &Path, record: &Record) -> Result<(), DriverError> {
	let path = record_path(dir, record.subscription);
	let tmp = path.with_extension("json.tmp");
	let bytes = serde_json::to_vec_pretty(record)
		.map_err(|e| DriverError::Unavailable(format!("cannot encode a record: {e}")))?;
	std::fs::write(&tmp, bytes)
		.and_then(|()| std::fs::rename(&tmp, &path))
		.map_err(|e| DriverError::Unavailable(format!("cannot write {}: {e}", path.display())))
}

fn fill(text: &str, host: IpAddr, port: u16, subscription: u64, state: &Path) -> String {
	text.replace("{state_dir}", &state.display().to_string())
		.replace("{port}", &port.to_string())
		.replace("{host}", &host.to_string())
		.replace("{subscription}", &subscription.to_string())
}

/// Where to check that a program listening on `host` accepts connections: loopback for a
/// program listening on every interface.
fn probe_address(host: IpAddr, port: u16) -> SocketAddr {
	let host = match host {
		IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
		IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
		host => host,
	};
	SocketAddr::new(host, port)
}

async fn listening(addr: SocketAddr) -> bool {
	tokio::time::timeout(Duration::from_millis(500), tokio::net::TcpStream::connect(addr))
		.await
		.is_ok_and(|c| c.is_ok())
}

impl LocalDriver {
	/// Opens the state directory and adopts the deployments recorded there: running processes
	/// are supervised again, dead ones are restarted.
	pub async fn open(config: LocalConfig) -> Result<LocalDriver, DriverError> {
		std::fs::create_dir_all(&config.state_dir).map_err(|e| {
			DriverError::Unavailable(format!("cannot create {}: {e}", config.state_dir.display()))
		})?;
		let driver = LocalDriver { config, deployments: tokio::sync::Mutex::new(HashMap::new()) };
		let entries = std::fs::read_dir(&driver.config.state_dir).map_err(|e| {
			DriverError::Unavailable(format!("cannot read the state directory: {e}"))
		})?;
		let mut deployments = driver.deployments.lock().await;
		for entry in entries.flatten() {
			let path = entry.path();
			if path.extension().is_none_or(|e| e != "json") {
				continue;
			}
			let record: Record = match std::fs::read(&path)
				.ok()
				.and_then(|bytes| serde_json::from_slice(&bytes).ok())
			{
				Some(record) => record,
				None => {
					tracing::warn!(path = %path.display(), "unreadable deployment record skipped");
					continue;
				}
			};
			let mut record = record;
			let mut adopted = alive(record.process);
			if !adopted {
				if let Some(found) = record.launch.as_deref().and_then(find_launched) {
					tracing::warn!(
						subscription = record.subscription,
						pid = found.0,
						"found the program of a start whose pid was never recorded; adopted"
					);
					record.process = Some(found);
					if let Err(e) = write_record(&driver.config.state_dir, &record) {
						tracing::error!(error = %e, "cannot record the adopted process");
					}
					adopted = true;
				}
			}
			let subscription = record.subscription;
			if record.suspended {
				// Suspended: left stopped. A crash between marking it and stopping the program
				// may have left the program running: the suspension is finished now.
				if adopted {
					let grace = Duration::from_millis(driver.config.stop_grace_ms);
					stop_process(record.process, grace).await;
				}
				tracing::info!(subscription, "suspended deployment record found; left stopped");
				deployments.insert(subscription, Arc::new(Supervised::idle(record, Life::Alive)));
				continue;
			}
			if !adopted && driver.kept_port_free(subscription, record.port).is_err() {
				// Its program died while the reactor was down and another program took its
				// port: left stopped; the next provision starts it once the port is free.
				deployments.insert(subscription, Arc::new(Supervised::idle(record, Life::GaveUp)));
				continue;
			}
			tracing::info!(subscription, adopted, "deployment record found");
			deployments.insert(subscription, driver.supervise(record, adopted));
		}
		drop(deployments);
		Ok(driver)
	}

	fn endpoint(&self, port: u16) -> String {
		match &self.config.endpoint_host {
			Some(host) => format!("http://{host}:{port}"),
			None => format!("http://{}", SocketAddr::new(self.config.host, port)),
		}
	}

	fn program(&self, deployment_type: u32) -> Option<&Program> {
		self.config
			.programs
			.get(&deployment_type.to_string())
			.or(self.config.default_program.as_ref())
	}

	fn free_port(&self, taken: &HashMap<u64, Arc<Supervised>>) -> Option<u16> {
		let used: Vec<u16> =
			taken.values().filter_map(|s| s.record.lock().ok().map(|r| r.port)).collect();
		(self.config.first_port..=self.config.last_port)
			.find(|port| !used.contains(port) && self.port_free(*port))
	}

	/// Whether nothing on this host listens on `port`.
	fn port_free(&self, port: u16) -> bool {
		std::net::TcpListener::bind(SocketAddr::new(self.config.host, port)).is_ok()
	}

	/// A kept port that another program on the host took while the deployment's own program
	/// was stopped: its program is not started (it could not listen, and the other program's
	/// answers would pass for its readiness). Temporary: tried again until the port is free.
	fn kept_port_free(&self, subscription: u64, port: u16) -> Result<(), DriverError> {
		if self.port_free(port) {
			return Ok(());
		}
		tracing::warn!(
			subscription,
			port,
			"the deployment's port is held by another program on this host; not started"
		);
		Err(DriverError::Unavailable(format!(
			"port {port} of subscription {subscription} is held by another program on this \
			 host; the deployment is started once it is free"
		)))
	}

	/// Starts the supervisor of a deployment: it (re)starts the program until stopped.
	fn supervise(&self, record: Record, adopted: bool) -> Arc<Supervised> {
		let (life_tx, life) = watch::channel(Life::Alive);
		let stop = CancellationToken::new();
		let supervised =
			Arc::new(Supervised { record: Mutex::new(record), life, stop, done: Mutex::new(None) });
		let task = tokio::spawn(run_supervisor(
			supervised.clone(),
			self.config.clone(),
			adopted,
			life_tx,
			supervised.stop.clone(),
		));
		if let Ok(mut done) = supervised.done.lock() {
			*done = Some(task);
		}
		supervised
	}

	async fn instance(&self, supervised: &Supervised) -> Instance {
		let (subscription, port, process) = match supervised.record.lock() {
			Ok(r) => (r.subscription, r.port, r.process),
			Err(_) => (0, 0, None),
		};
		let state = if !alive(process) {
			InstanceState::Stopped
		} else if listening(probe_address(self.config.host, port)).await {
			InstanceState::Running
		} else {
			InstanceState::Starting
		};
		Instance { subscription, endpoint: Some(self.endpoint(port)), state }
	}

	/// Waits until the deployment's program accepts connections on its port: the instance, or
	/// `Err(gave_up)` once its supervisor gave up (`true`) or `ready_timeout_ms` passed (`false`).
	async fn until_listening(&self, supervised: &Supervised) -> Result<Instance, bool> {
		let deadline =
			tokio::time::Instant::now() + Duration::from_millis(self.config.ready_timeout_ms);
		loop {
			let instance = self.instance(supervised).await;
			if instance.state == InstanceState::Running {
				return Ok(instance);
			}
			let gave_up = *supervised.life.borrow() == Life::GaveUp;
			if gave_up || tokio::time::Instant::now() >= deadline {
				return Err(gave_up);
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	async fn stop(&self, supervised: &Supervised) {
		supervised.stop.cancel();
		let process = supervised.record.lock().ok().and_then(|r| r.process);
		stop_process(process, Duration::from_millis(self.config.stop_grace_ms)).await;
		let task = supervised.done.lock().ok().and_then(|mut d| d.take());
		if let Some(task) = task {
			let _ = task.await;
		}
	}
}

impl Drop for LocalDriver {
	/// Supervision ends with the driver; the programs keep running, as they do when the reactor
	/// stops, and the next driver over the same state directory adopts them.
	fn drop(&mut self) {
		for supervised in self.deployments.get_mut().values() {
			if let Some(task) = supervised.done.lock().ok().and_then(|mut d| d.take()) {
				task.abort();
			}
		}
	}
}

/// Keeps one deployment's program running until told to stop.
async fn run_supervisor(
	supervised: Arc<Supervised>,
	config: LocalConfig,
	adopted: bool,
	life: watch::Sender<Life>,
	stop: CancellationToken,
) {
	let mut restarts = 0u32;
	if adopted {
		// Not our child: watch it until it dies, then carry on as if it had exited.
		let process = supervised.record.lock().ok().and_then(|r| r.process);
		loop {
			if stop.is_cancelled() {
				return;
			}
			if !alive(process) {
				break;
			}
			let _ = tokio::time::timeout(Duration::from_millis(500), stop.cancelled()).await;
		}
	}
	loop {
		if stop.is_cancelled() {
			return;
		}
		// The start is recorded before the process exists: whatever happens next, a driver
		// that reads the record can find the process.
		let launch = launch_token(supervised_subscription(&supervised));
		let record = match supervised.record.lock() {
			Ok(mut r) => {
				r.launch = Some(launch.clone());
				r.process = None;
				if let Err(e) = write_record(&config.state_dir, &r) {
					tracing::error!(
						subscription = r.subscription,
						error = %e,
						"cannot record the start; the program is not started"
					);
					let _ = life.send(Life::GaveUp);
					return;
				}
				r.clone()
			}
			Err(_) => return,
		};
		let mut child = match spawn(&config, &record, &launch) {
			Ok(child) => child,
			Err(e) => {
				tracing::error!(subscription = record.subscription, error = %e, "cannot start the program");
				let _ = life.send(Life::GaveUp);
				return;
			}
		};
		let pid = child.id().and_then(|pid| i32::try_from(pid).ok());
		let process = pid.and_then(|pid| start_time(pid).map(|t| (pid, t)));
		if let Ok(mut r) = supervised.record.lock() {
			r.process = process;
			if let Err(e) = write_record(&config.state_dir, &r) {
				tracing::error!(error = %e, "cannot record the process");
			}
		}
		tracing::info!(
			subscription = record.subscription,
			?pid,
			port = record.port,
			"program started"
		);
		let started = tokio::time::Instant::now();
		tokio::select! {
			status = child.wait() => {
				tracing::warn!(subscription = record.subscription, ?status, "program exited");
			}
			_ = stop.cancelled() => {
				// `stop` signals the process group; reap the child.
				let _ = child.wait().await;
				return;
			}
		}
		// A program that ran a while before exiting starts a fresh count.
		if started.elapsed() > Duration::from_secs(60) {
			restarts = 0;
		}
		restarts = restarts.saturating_add(1);
		if restarts > config.max_restarts {
			tracing::error!(
				subscription = record.subscription,
				restarts,
				"program keeps exiting; left stopped"
			);
			let _ = life.send(Life::GaveUp);
			return;
		}
		let backoff = Duration::from_millis(250u64.saturating_mul(1 << restarts.min(7)));
		if tokio::time::timeout(backoff, stop.cancelled()).await.is_ok() {
			return;
		}
	}
}

fn supervised_subscription(supervised: &Supervised) -> u64 {
	supervised.record.lock().map_or(0, |r| r.subscription)
}

fn spawn(
	config: &LocalConfig,
	record: &Record,
	launch: &str,
) -> std::io::Result<tokio::process::Child> {
	let (host, port, subscription) = (config.host, record.port, record.subscription);
	let state = state_path(&config.state_dir, subscription);
	std::fs::create_dir_all(&state)?;
	let log = std::fs::OpenOptions::new()
		.create(true)
		.append(true)
		.open(config.state_dir.join(format!("{subscription}.log")))?;
	let mut command = Command::new(&record.program.command);
	command
		.args(record.program.args.iter().map(|a| fill(a, host, port, subscription, &state)))
		.envs(
			record.program.env.iter().map(|(k, v)| (k, fill(v, host, port, subscription, &state))),
		)
		.env("DINFRA_STATE_DIR", &state)
		.env("DINFRA_SUBSCRIPTION", subscription.to_string())
		.env("DINFRA_DEPLOYMENT_TYPE", record.deployment_type.to_string())
		.env("DINFRA_DESCRIPTOR", record.descriptor.to_string())
		.env("PORT", port.to_string())
		.env("DINFRA_LAUNCH", launch)
		.stdin(std::process::Stdio::null())
		.stdout(log.try_clone()?)
		.stderr(log)
		// Its own process group, so that stopping it stops its children too.
		.process_group(0)
		// The deployment outlives neither the reactor's supervisor nor a crash of it: the
		// record lets a restarted reactor adopt it.
		.kill_on_drop(false);
	command.spawn()
}

impl Driver for LocalDriver {
	fn name(&self) -> &'static str {
		"local"
	}

	async fn provision(&self, spec: &Spec) -> Result<Instance, DriverError> {
		// A suspended deployment is started again over its kept state, never made anew.
		let suspended =
			self.deployments.lock().await.get(&spec.subscription).is_some_and(|s| s.suspended());
		if suspended {
			return self.resume(spec.subscription).await;
		}
		// `started`: this call started the program, so a failure removes what it made; a
		// deployment that already existed is left to its supervisor. `fresh`: nothing existed,
		// so there is no state to keep.
		let (supervised, started, fresh) = {
			let mut deployments = self.deployments.lock().await;
			match deployments.get(&spec.subscription) {
				Some(s) if *s.life.borrow() == Life::Alive => (s.clone(), false, false),
				existing => {
					let fresh = existing.is_none();
					let program = self.program(spec.deployment_type).cloned().ok_or_else(|| {
						DriverError::Refused(format!(
							"this provider runs no local program for deployment type {}",
							spec.deployment_type
						))
					})?;
					// A deployment that gave up is started afresh on its own port.
					let port = match existing {
						Some(s) => match s.record.lock().ok().map(|r| r.port) {
							Some(port) => {
								self.kept_port_free(spec.subscription, port)?;
								Some(port)
							}
							None => None,
						},
						None => self.free_port(&deployments),
					}
					.ok_or_else(|| {
						DriverError::Refused("no free port is left for a local deployment".into())
					})?;
					let record = Record {
						subscription: spec.subscription,
						deployment_type: spec.deployment_type,
						port,
						program,
						descriptor: spec.descriptor.clone(),
						process: None,
						launch: None,
						suspended: false,
					};
					write_record(&self.config.state_dir, &record)?;
					let supervised = self.supervise(record, false);
					deployments.insert(spec.subscription, supervised.clone());
					(supervised, true, fresh)
				}
			}
		};
		// Running once the port accepts connections.
		let gave_up = match self.until_listening(&supervised).await {
			Ok(instance) => return Ok(instance),
			Err(gave_up) => gave_up,
		};
		let why = if gave_up {
			"the program keeps exiting".to_string()
		} else {
			format!(
				"the program did not listen on its port within {} ms",
				self.config.ready_timeout_ms
			)
		};
		if !started && !gave_up {
			// Ours already, and still being restarted by its supervisor: not a refusal.
			return Err(DriverError::Unavailable(why));
		}
		if fresh {
			self.deprovision(spec.subscription).await?;
		} else {
			// A deployment that ran before keeps its state: only the chain's word
			// (a deprovision) removes it. Its program is left stopped, to be started
			// anew by the next provision.
			self.stop(&supervised).await;
			let record = supervised.record.lock().ok().map(|r| r.clone());
			if let Some(record) = record {
				self.deployments
					.lock()
					.await
					.insert(spec.subscription, Arc::new(Supervised::idle(record, Life::GaveUp)));
			}
		}
		Err(DriverError::Refused(why))
	}

	async fn suspend(&self, subscription: u64) -> Result<(), DriverError> {
		let Some(supervised) = self.deployments.lock().await.get(&subscription).cloned() else {
			tracing::info!(subscription, "nothing to suspend");
			return Ok(());
		};
		// Marked first: a reactor that crashes before the program is stopped finishes the
		// suspension when it starts again, instead of restarting the program.
		let record = match supervised.record.lock() {
			Ok(mut r) => {
				r.suspended = true;
				r.clone()
			}
			Err(_) => return Err(DriverError::Unavailable("a poisoned record lock".into())),
		};
		write_record(&self.config.state_dir, &record)?;
		self.stop(&supervised).await;
		tracing::info!(subscription, port = record.port, "program stopped; state directory kept");
		Ok(())
	}

	async fn resume(&self, subscription: u64) -> Result<Instance, DriverError> {
		let supervised = {
			let mut deployments = self.deployments.lock().await;
			let existing = deployments.get(&subscription).cloned().ok_or_else(|| {
				DriverError::Refused(format!(
					"no deployment is kept for subscription {subscription}"
				))
			})?;
			if existing.suspended() {
				let mut record = existing
					.record
					.lock()
					.map_err(|_| DriverError::Unavailable("a poisoned record lock".into()))?
					.clone();
				self.kept_port_free(subscription, record.port)?;
				record.suspended = false;
				write_record(&self.config.state_dir, &record)?;
				let supervised = self.supervise(record, false);
				deployments.insert(subscription, supervised.clone());
				tracing::info!(subscription, "program started again over its kept state");
				supervised
			} else {
				existing
			}
		};
		// Its state is never given up: a program slow to come back is tried again, not removed.
		self.until_listening(&supervised).await.map_err(|_| {
			DriverError::Unavailable(format!(
				"the resumed program did not listen on its port within {} ms",
				self.config.ready_timeout_ms
			))
		})
	}

	async fn deprovision(&self, subscription: u64) -> Result<(), DriverError> {
		let removed = self.deployments.lock().await.remove(&subscription);
		if let Some(supervised) = removed {
			self.stop(&supervised).await;
		}
		let gone = |result: std::io::Result<()>, what: &str| match result {
			Ok(()) => Ok(()),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
			Err(e) => Err(DriverError::Unavailable(format!("cannot remove the {what}: {e}"))),
		};
		gone(
			std::fs::remove_dir_all(state_path(&self.config.state_dir, subscription)),
			"state directory",
		)?;
		gone(std::fs::remove_file(record_path(&self.config.state_dir, subscription)), "record")
	}

	async fn status(&self, subscription: u64) -> Result<Option<Instance>, DriverError> {
		let supervised = self.deployments.lock().await.get(&subscription).cloned();
		Ok(match supervised {
			Some(s) => Some(self.instance(&s).await),
			None => None,
		})
	}

	async fn list(&self) -> Result<Vec<Instance>, DriverError> {
		let all: Vec<_> = self.deployments.lock().await.values().cloned().collect();
		let mut out = Vec::with_capacity(all.len());
		for supervised in all {
			out.push(self.instance(&supervised).await);
		}
		out.sort_by_key(|i| i.subscription);
		Ok(out)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn placeholders_are_filled_with_the_deployment_s_own_values() {
		let host = IpAddr::V4(Ipv4Addr::LOCALHOST);
		assert_eq!(
			fill("{host}:{port}/{subscription} {state_dir}", host, 20001, 7, Path::new("/s/7")),
			"127.0.0.1:20001/7 /s/7"
		);
	}

	#[test]
	fn a_process_is_ours_only_with_its_recorded_start_time() {
		let me = std::process::id() as i32;
		let started = start_time(me).expect("this process has a start time");
		assert!(alive(Some((me, started))));
		assert!(!alive(Some((me, started + 1))), "a reused pid is not ours");
		assert!(!alive(None));
	}

	#[test]
	fn the_default_program_is_the_reactor_s_own_workload() {
		let config = LocalConfig::default();
		let program = config.default_program.expect("a default program");
		assert_eq!(program.args[0], "workload");
	}
}
