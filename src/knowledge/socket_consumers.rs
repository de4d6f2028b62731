//! What known engine-API consumers need from a socket proxy, and the proxy the tool emits.
//!
//! The `docker-socket` rule replaces every mount of the engine socket with one hardened sidecar,
//! [`PROXY`] (`wollomatic/socket-proxy`), that alone mounts the socket and lets through only the
//! API calls its clients need. Why that image, and the service it becomes, are written down in
//! `docs/socket-proxy.md`.
//!
//! Vocabulary: an API *section* ([`SECTIONS`]) is a named group of engine API paths, named after
//! the API's top-level paths as the Tecnativa and LinuxServer proxies name their variables
//! (`CONTAINERS`, `EVENTS`, ...). Our sections are narrower than theirs: read sections never
//! include `archive`, `export` or `attach` (reading any file of any container, or writing to its
//! stdin), logs are their own section, and writes are separate sections (`RESTART`,
//! `CONTAINERS_WRITE`, ...) instead of one global `POST` switch. wollomatic's proxy takes one
//! regular expression per HTTP method, so [`allowlist`] turns a set of sections into those
//! expressions and [`proxy_environment`] into the proxy's `SP_*` variables.
//!
//! Every fact carries its source: [`Consumer::source`], [`ProxyImage::sources`].

/// The sidecar's service name; consumers reach it as `tcp://docker-socket-proxy:2375`.
pub const PROXY_SERVICE: &str = "docker-socket-proxy";

/// The internal network the sidecar and its clients share (`internal: true`: no route out).
pub const PROXY_NETWORK: &str = "docker-socket-proxy";

/// HTTP methods the proxy filters on, in the order its variables are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Delete,
}

impl Method {
    pub const ALL: [Method; 5] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Delete,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One API section: paths (Go/RE2 regular expressions, without the optional `/v1.NN` version
/// prefix, which [`allowlist`] adds) per method. The expressions use `[.]` instead of `\.` so
/// that they need no escaping in YAML, and no `$`, which Compose would interpolate.
#[derive(Debug)]
pub struct Section {
    pub name: &'static str,
    /// What it allows, for reports.
    pub what: &'static str,
    /// Whether it changes state (anything but `GET`/`HEAD`).
    pub write: bool,
    /// Whether granting it is as good as root on the host (creating containers, exec into
    /// any container, building): the proxy then limits mistakes, not an attacker.
    pub root_equivalent: bool,
    pub rules: &'static [(Method, &'static str)],
}

use Method::{Delete, Get, Head, Post};

/// The optional API version prefix every path may carry (`/v1.47/containers/json`).
pub const API_VERSION_PREFIX: &str = "(/v[0-9]+[.][0-9]+)?";

/// All sections, in the order their paths appear in the generated expressions.
pub const SECTIONS: &[Section] = &[
    Section {
        name: "PING",
        what: "`/_ping`: every client's API-version negotiation (Traefik >= 2.11.31/3.6.1 uses HEAD)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/_ping"), (Head, "/_ping")],
    },
    Section {
        name: "VERSION",
        what: "`/version`: engine and API version",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/version"), (Head, "/version")],
    },
    Section {
        name: "EVENTS",
        what: "`/events`: the stream of container, image and network events",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/events")],
    },
    Section {
        name: "INFO",
        what: "`/info`: engine configuration (host name, counts, swarm state)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/info")],
    },
    Section {
        name: "CONTAINERS",
        what: "list and inspect containers, their processes, stats and changes (inspect shows their environment); not logs, not files (`archive`, `export`), not `attach`",
        write: false,
        root_equivalent: false,
        rules: &[
            (Get, "/containers/json"),
            (Get, "/containers/[^/]+/(json|top|stats|changes)"),
        ],
    },
    Section {
        name: "LOGS",
        what: "`/containers/{id}/logs`: any container's output",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/containers/[^/]+/logs")],
    },
    Section {
        name: "IMAGES",
        what: "list and inspect local images and their history; not `get` (export)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/images/json"), (Get, "/images/.+/(json|history)")],
    },
    Section {
        name: "NETWORKS",
        what: "list and inspect networks",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/networks"), (Get, "/networks/[^/]+")],
    },
    Section {
        name: "VOLUMES",
        what: "list and inspect volumes",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/volumes"), (Get, "/volumes/[^/]+")],
    },
    Section {
        name: "SERVICES",
        what: "list and inspect swarm services (not their logs)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/services"), (Get, "/services/[^/]+")],
    },
    Section {
        name: "TASKS",
        what: "list and inspect swarm tasks",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/tasks"), (Get, "/tasks/[^/]+")],
    },
    Section {
        name: "NODES",
        what: "list and inspect swarm nodes",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/nodes"), (Get, "/nodes/[^/]+")],
    },
    Section {
        name: "SWARM",
        what: "`/swarm`: swarm inspect, which includes the worker and manager join tokens",
        write: false,
        root_equivalent: true,
        rules: &[(Get, "/swarm")],
    },
    Section {
        name: "CONFIGS",
        what: "list and inspect swarm configs (their content)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/configs"), (Get, "/configs/[^/]+")],
    },
    Section {
        name: "SECRETS",
        what: "list and inspect swarm secrets (metadata; the API never returns their values)",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/secrets"), (Get, "/secrets/[^/]+")],
    },
    Section {
        name: "SYSTEM",
        what: "`/system/df`: disk usage of images, containers and volumes",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/system/df")],
    },
    Section {
        name: "DISTRIBUTION",
        what: "`/distribution/{name}/json`: the registry's manifest of an image",
        write: false,
        root_equivalent: false,
        rules: &[(Get, "/distribution/.+/json")],
    },
    Section {
        name: "START",
        what: "start and unpause existing containers",
        write: true,
        root_equivalent: false,
        rules: &[(Post, "/containers/[^/]+/(start|unpause)")],
    },
    Section {
        name: "STOP",
        what: "stop and pause existing containers",
        write: true,
        root_equivalent: false,
        rules: &[(Post, "/containers/[^/]+/(stop|pause)")],
    },
    Section {
        name: "RESTART",
        what: "restart existing containers",
        write: true,
        root_equivalent: false,
        rules: &[(Post, "/containers/[^/]+/restart")],
    },
    Section {
        name: "KILL",
        what: "send a signal to existing containers (SIGHUP to reload a server)",
        write: true,
        root_equivalent: false,
        rules: &[(Post, "/containers/[^/]+/kill")],
    },
    Section {
        name: "EXEC",
        what: "run commands in any running container",
        write: true,
        root_equivalent: true,
        rules: &[
            (Post, "/containers/[^/]+/exec"),
            (Post, "/exec/[^/]+/(start|resize)"),
            (Get, "/exec/[^/]+/json"),
        ],
    },
    Section {
        name: "CONTAINERS_WRITE",
        what: "create, start, stop, update, rename and remove containers: whoever creates containers can mount the host's `/` in one",
        write: true,
        root_equivalent: true,
        rules: &[
            (Post, "/containers/create"),
            (Post, "/containers/prune"),
            (
                Post,
                "/containers/[^/]+/(start|stop|restart|kill|pause|unpause|wait|rename|update)",
            ),
            (Delete, "/containers/[^/]+"),
        ],
    },
    Section {
        name: "IMAGES_WRITE",
        what: "pull, tag, remove and prune images",
        write: true,
        root_equivalent: false,
        rules: &[
            (Post, "/images/create"),
            (Post, "/images/prune"),
            (Post, "/images/.+/tag"),
            (Delete, "/images/.+"),
        ],
    },
    Section {
        name: "NETWORKS_WRITE",
        what: "create, remove and prune networks; connect and disconnect containers",
        write: true,
        root_equivalent: false,
        rules: &[
            (Post, "/networks/create"),
            (Post, "/networks/prune"),
            (Post, "/networks/[^/]+/(connect|disconnect)"),
            (Delete, "/networks/[^/]+"),
        ],
    },
    Section {
        name: "VOLUMES_WRITE",
        what: "create, remove and prune volumes (a local volume can bind any host path)",
        write: true,
        root_equivalent: true,
        rules: &[
            (Post, "/volumes/create"),
            (Post, "/volumes/prune"),
            (Delete, "/volumes/[^/]+"),
        ],
    },
    Section {
        name: "SERVICES_WRITE",
        what: "create, update and remove swarm services",
        write: true,
        root_equivalent: true,
        rules: &[
            (Post, "/services/create"),
            (Post, "/services/[^/]+/update"),
            (Delete, "/services/[^/]+"),
        ],
    },
    Section {
        name: "BUILD",
        what: "build images (BuildKit sessions included)",
        write: true,
        root_equivalent: true,
        rules: &[
            (Post, "/build"),
            (Post, "/build/prune"),
            (Post, "/session"),
            (Post, "/grpc"),
        ],
    },
    Section {
        name: "AUTH",
        what: "`/auth`: check registry credentials",
        write: true,
        root_equivalent: false,
        rules: &[(Post, "/auth")],
    },
];

/// The section of that name (case-sensitive, upper case).
pub fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// Sections every client gets: version negotiation (`/_ping`, `/version`). The Tecnativa and
/// LinuxServer proxies grant these (and `EVENTS`) by default too.
pub fn baseline() -> &'static [&'static str] {
    &["PING", "VERSION"]
}

/// What a consumer the table does not know gets: read-only containers and events, on top of
/// [`baseline`]. Anything more is for the user to add (`x-harden`), after reading the report.
pub fn default_allow() -> &'static [&'static str] {
    &["CONTAINERS", "EVENTS"]
}

/// The image the tool emits as the sidecar, and how it is hardened. See `docs/socket-proxy.md`.
#[derive(Debug)]
pub struct ProxyImage {
    /// Pinned reference (Docker Hub; the same tag is on `ghcr.io/wollomatic/socket-proxy`).
    pub image: &'static str,
    /// Digest to pin as well, when one was verified (none yet: see the docs).
    pub digest: Option<&'static str>,
    /// TCP port it listens on (`SP_PROXYPORT`, default 2375).
    pub port: u16,
    /// Variables always set. The allowlist (`SP_ALLOWFROM`, `SP_ALLOW_<METHOD>`) comes from
    /// [`proxy_environment`].
    pub env_defaults: &'static [(&'static str, &'static str)],
    /// Variable naming the clients (compose service names) allowed to connect.
    pub allowfrom_env: &'static str,
    /// Prefix of the per-method allowlist variables (`SP_ALLOW_GET`, ...).
    pub allow_env_prefix: &'static str,
    /// The only volume: the engine socket, read-only.
    pub socket_volume: &'static str,
    pub read_only: bool,
    /// Writable paths it needs with `read_only: true` (none: a static binary on `scratch`).
    pub tmpfs: &'static [&'static str],
    pub cap_drop: &'static [&'static str],
    /// Capabilities it needs after `cap_drop: [ALL]` (none).
    pub cap_add: &'static [&'static str],
    pub security_opt: &'static [&'static str],
    /// `uid:gid`. The image's own user (65534) cannot open the socket (root:docker 0660), and
    /// the host's docker gid is unknown when the file is written; uid 0 owns the socket, so it
    /// opens it with no capability at all. `65534:<docker gid>` also works when the gid is known.
    pub user: Option<&'static str>,
    pub restart: &'static str,
    pub mem_limit: Option<&'static str>,
    /// `healthcheck.test`; needs `SP_ALLOWHEALTHCHECK=true` (in `env_defaults`).
    pub healthcheck_test: &'static [&'static str],
    /// Label prefix for per-container allowlists (`socket-proxy.allow.get`), used only when
    /// `SP_PROXYCONTAINERNAME` is set: see [`consumer_labels`].
    pub label_prefix: &'static str,
    pub source: &'static str,
    pub sources: &'static [&'static str],
}

pub const PROXY: ProxyImage = ProxyImage {
    image: "wollomatic/socket-proxy:1.13.1",
    digest: None,
    port: 2375,
    env_defaults: &[
        ("SP_LISTENIP", "0.0.0.0"),
        ("SP_LOGLEVEL", "INFO"),
        ("SP_WATCHDOGINTERVAL", "300"),
        ("SP_STOPONWATCHDOG", "true"),
        ("SP_SHUTDOWNGRACETIME", "5"),
        ("SP_ALLOWHEALTHCHECK", "true"),
    ],
    allowfrom_env: "SP_ALLOWFROM",
    allow_env_prefix: "SP_ALLOW_",
    socket_volume: "/var/run/docker.sock:/var/run/docker.sock:ro",
    read_only: true,
    tmpfs: &[],
    cap_drop: &["ALL"],
    cap_add: &[],
    security_opt: &["no-new-privileges:true"],
    user: Some("0:0"),
    restart: "unless-stopped",
    mem_limit: Some("64M"),
    healthcheck_test: &["CMD", "./healthcheck"],
    label_prefix: "socket-proxy.allow.",
    source: "https://github.com/wollomatic/socket-proxy#readme",
    sources: &[
        "https://github.com/wollomatic/socket-proxy#readme",
        "https://github.com/wollomatic/socket-proxy/blob/main/Dockerfile",
        "https://github.com/wollomatic/socket-proxy/blob/main/examples/docker-compose/dozzle/compose.yaml",
    ],
};

/// Images that are socket proxies themselves: they mount the socket by design and are left
/// alone (repository names, registry and `library/` stripped).
pub const KNOWN_PROXIES: &[&str] = &[
    "wollomatic/socket-proxy",
    "tecnativa/docker-socket-proxy",
    "linuxserver/socket-proxy",
    "11notes/socket-proxy",
    "fluencelabs/docker-socket-proxy",
];

/// Whether a repository is a socket proxy (see [`KNOWN_PROXIES`]).
pub fn is_socket_proxy(repository: &str) -> bool {
    let r = repository.to_ascii_lowercase();
    KNOWN_PROXIES.contains(&r.as_str())
}

/// `tcp://docker-socket-proxy:2375`: what `DOCKER_HOST` and the endpoint flags are set to.
pub fn proxy_url() -> String {
    format!("tcp://{PROXY_SERVICE}:{}", PROXY.port)
}

/// How a consumer is told where the engine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The Docker SDKs' `DOCKER_HOST` variable, set to [`proxy_url`].
    DockerHost,
    /// Another environment variable, set to [`proxy_url`].
    Env(&'static str),
    /// A command-line flag in `command` (see [`FLAG_REWRITES`], [`endpoint_flag_rewrite`]).
    Flag(&'static str),
    /// A key in a configuration file the tool does not edit: the report tells the user.
    ConfigFile {
        file: &'static str,
        key: &'static str,
    },
    /// Set in the application's web interface: the report tells the user.
    Ui(&'static str),
    /// Not configurable that the sources say: the socket path is built in.
    Fixed,
}

/// One known consumer of the engine API.
#[derive(Debug)]
pub struct Consumer {
    pub name: &'static str,
    /// Repository names, registry and `library/` stripped, lower case (`nginxproxy/docker-gen`).
    pub matches: &'static [&'static str],
    /// Sections it needs besides [`baseline`].
    pub allow: &'static [&'static str],
    /// Further sections when it runs against swarm mode (`--providers.swarm`, `swarm: true`).
    pub swarm_allow: &'static [&'static str],
    /// Whether it needs write calls at all (some section in `allow` is a write section).
    pub post: bool,
    /// Whether it needs so much that a proxy is pointless (Portainer, CI runners): the rule
    /// keeps the socket and reports it instead of proxying.
    pub full_access: bool,
    /// How it is told where the engine is, preferred first.
    pub endpoints: &'static [Endpoint],
    /// What it does with the API and what stays out, with the optional features that need more.
    pub why: &'static str,
    /// Where the needs (or the endpoint setting) are documented.
    pub source: &'static str,
}

impl Consumer {
    /// Sections for this consumer: [`baseline`], then `allow`, then `swarm_allow` if asked.
    pub fn sections(&self, swarm: bool) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = baseline().to_vec();
        let extra = if swarm { self.swarm_allow } else { &[] };
        for name in self.allow.iter().chain(extra) {
            if !out.contains(name) {
                out.push(name);
            }
        }
        out
    }

    /// Whether any section it needs gives root on the host anyway.
    pub fn root_equivalent(&self) -> bool {
        self.full_access
            || self
                .allow
                .iter()
                .filter_map(|n| section(n))
                .any(|s| s.root_equivalent)
    }
}

use Endpoint::{ConfigFile, DockerHost, Env, Fixed, Flag, Ui};

/// The table. Order matters only for readability; names are unique and so are matches.
pub static CONSUMERS: &[Consumer] = &[
    Consumer {
        name: "traefik",
        matches: &["traefik"],
        allow: &["CONTAINERS", "EVENTS"],
        swarm_allow: &["SERVICES", "TASKS", "NETWORKS"],
        post: false,
        full_access: false,
        endpoints: &[
            Flag("--providers.docker.endpoint"),
            Flag("--providers.swarm.endpoint"),
            Env("TRAEFIK_PROVIDERS_DOCKER_ENDPOINT"),
            Env("TRAEFIK_PROVIDERS_SWARM_ENDPOINT"),
            ConfigFile {
                file: "traefik.yml",
                key: "providers.docker.endpoint / providers.swarm.endpoint",
            },
            Flag("--docker.endpoint"),
        ],
        why: "The docker provider lists and inspects containers and follows events (v2 and v3); \
              swarm mode (v3 `--providers.swarm`, v2 `--providers.docker.swarmMode`) reads services, \
              tasks and networks instead. Traefik >= 2.11.31 / 3.6.1 sends HEAD /_ping (baseline). \
              Static configuration comes from ONE of file, flags or environment, so the endpoint \
              goes where the rest is: a flag when `command` has `--providers.*` flags, \
              TRAEFIK_PROVIDERS_DOCKER_ENDPOINT when there is neither command nor file, otherwise \
              the user edits traefik.yml. `--docker.endpoint` is Traefik v1.",
        source: "https://doc.traefik.io/traefik/providers/docker/#docker-api-access",
    },
    Consumer {
        name: "nginx-proxy",
        matches: &["nginxproxy/nginx-proxy", "jwilder/nginx-proxy"],
        allow: &["CONTAINERS", "EVENTS", "INFO"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[DockerHost],
        why: "Its docker-gen lists and inspects containers (`containers/json?all=1`), reads /info \
              and watches events to write the nginx configuration, and reloads nginx in-process. \
              The image sets DOCKER_HOST=unix:///tmp/docker.sock; setting DOCKER_HOST overrides it.",
        source: "https://github.com/nginx-proxy/docker-gen#usage",
    },
    Consumer {
        name: "docker-gen",
        matches: &["nginxproxy/docker-gen", "jwilder/docker-gen"],
        allow: &["CONTAINERS", "EVENTS", "INFO", "KILL"],
        swarm_allow: &[],
        post: true,
        full_access: false,
        endpoints: &[Flag("-endpoint"), Flag("--endpoint"), DockerHost],
        why: "Same reads as nginx-proxy; in the separate-containers setup `-notify-sighup` / \
              `-notify-container` signal the nginx container through the API (POST \
              /containers/{id}/kill). An `-endpoint` flag in `command` wins over DOCKER_HOST.",
        source: "https://github.com/nginx-proxy/docker-gen#usage",
    },
    Consumer {
        name: "acme-companion",
        matches: &[
            "nginxproxy/acme-companion",
            "jrcs/letsencrypt-nginx-proxy-companion",
        ],
        allow: &["CONTAINERS", "EVENTS", "INFO", "EXEC", "KILL"],
        swarm_allow: &[],
        post: true,
        full_access: false,
        endpoints: &[DockerHost],
        why: "Finds the nginx-proxy and docker-gen containers by label or env (list, inspect), runs \
              its own docker-gen (events, info), and reloads nginx: by exec into the nginx-proxy \
              container (two-container setup) or by SIGHUP through /kill (three-container setup). \
              Its docker_api helper speaks plain HTTP to a tcp:// DOCKER_HOST. EXEC lets it run \
              commands in any container.",
        source: "https://github.com/nginx-proxy/acme-companion/blob/main/app/functions.sh",
    },
    Consumer {
        name: "portainer",
        matches: &[
            "portainer/portainer",
            "portainer/portainer-ce",
            "portainer/portainer-ee",
        ],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[
            Flag("-H"),
            Flag("--host"),
            Ui("Environments > Add environment > Docker Standalone > API"),
        ],
        why: "A full engine management UI: it creates containers, execs into them, builds, pulls \
              and manages volumes and networks. A proxy would have to allow everything.",
        source: "https://docs.portainer.io/advanced/cli",
    },
    Consumer {
        name: "portainer-agent",
        matches: &["portainer/agent"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[Fixed],
        why: "The agent is Portainer's remote arm: full API access, plus the host's volume \
              directory.",
        source: "https://docs.portainer.io/admin/environments/add/docker/agent",
    },
    Consumer {
        name: "watchtower",
        matches: &[
            "containrrr/watchtower",
            "nickfedor/watchtower",
            "openserbia/watchtower",
            "beatkind/watchtower",
            "v2tec/watchtower",
        ],
        allow: &[
            "CONTAINERS",
            "IMAGES",
            "NETWORKS",
            "CONTAINERS_WRITE",
            "IMAGES_WRITE",
            "NETWORKS_WRITE",
        ],
        swarm_allow: &[],
        post: true,
        full_access: false,
        endpoints: &[DockerHost, Flag("--host"), Flag("-H")],
        why: "Pulls new images, then stops, removes and re-creates containers with the same \
              configuration and reconnects their networks; `WATCHTOWER_CLEANUP` removes old \
              images. Creating containers is root-equivalent: the proxy keeps exec, build, \
              volumes and swarm out but cannot make this safe. containrrr/watchtower is archived \
              (2025-12); nickfedor/watchtower is the maintained fork with the same options.",
        source: "https://containrrr.dev/watchtower/arguments/#docker_host",
    },
    Consumer {
        name: "dozzle",
        matches: &["amir20/dozzle"],
        allow: &["CONTAINERS", "LOGS", "EVENTS", "INFO"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[Env("DOZZLE_REMOTE_HOST"), DockerHost],
        why: "Lists containers, streams their logs and stats and follows events; INFO for host \
              metadata. Dozzle never writes unless DOZZLE_ENABLE_ACTIONS (START, STOP, RESTART) or \
              DOZZLE_ENABLE_SHELL (EXEC) are on: those are not granted here.",
        source: "https://dozzle.dev/guide/remote-hosts#connecting-with-a-socket-proxy",
    },
    Consumer {
        name: "homepage",
        matches: &["gethomepage/homepage", "benphelps/homepage"],
        allow: &["CONTAINERS"],
        swarm_allow: &["SERVICES", "TASKS"],
        post: false,
        full_access: false,
        endpoints: &[ConfigFile {
            file: "docker.yaml",
            key: "<server>.host: docker-socket-proxy and <server>.port: 2375",
        }],
        why: "Discovers services from container labels and shows status and stats (list, \
              inspect, stats); swarm mode reads services and tasks. The endpoint is in its \
              docker.yaml, which the tool does not edit.",
        source: "https://gethomepage.dev/configs/docker/#using-docker-socket-proxy",
    },
    Consumer {
        name: "autoheal",
        matches: &["willfarrell/autoheal"],
        allow: &["CONTAINERS", "RESTART"],
        swarm_allow: &[],
        post: true,
        full_access: false,
        endpoints: &[Env("DOCKER_SOCK")],
        why: "Lists unhealthy containers (`containers/json?filters=health`) and restarts them \
              (POST /containers/{id}/restart), nothing else. DOCKER_SOCK=tcp://... is plain HTTP \
              (tcps:// is TLS).",
        source: "https://github.com/willfarrell/docker-autoheal#readme",
    },
    Consumer {
        name: "uptime-kuma",
        matches: &["louislam/uptime-kuma"],
        allow: &["CONTAINERS"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[Ui(
            "Settings > Docker Hosts: connection type TCP / HTTP, URL http://docker-socket-proxy:2375",
        )],
        why: "Its Docker Container monitor inspects the monitored container \
              (GET /containers/{id}/json) for its state and health. The Docker host is set in the \
              web interface, not in the compose file.",
        source: "https://github.com/louislam/uptime-kuma/wiki/How-to-Monitor-Docker-Containers",
    },
    Consumer {
        name: "diun",
        matches: &["crazymax/diun"],
        allow: &["CONTAINERS", "IMAGES"],
        swarm_allow: &["SERVICES"],
        post: false,
        full_access: false,
        endpoints: &[
            Env("DIUN_PROVIDERS_DOCKER_ENDPOINT"),
            ConfigFile {
                file: "diun.yml",
                key: "providers.docker.endpoint",
            },
        ],
        why: "The docker provider lists containers (and their labels) and inspects their images; \
              it compares digests with the registry itself, without the engine. The swarm \
              provider reads services.",
        source: "https://crazymax.dev/diun/providers/docker/#endpoint",
    },
    Consumer {
        name: "crowdsec",
        matches: &["crowdsecurity/crowdsec"],
        allow: &["CONTAINERS", "LOGS", "EVENTS"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[ConfigFile {
            file: "acquis.yaml (or acquis.d/*.yaml)",
            key: "docker_host",
        }],
        why: "The docker data source lists containers (by name, id or labels) and follows their \
              logs. The endpoint is `docker_host` in the acquisition file.",
        source: "https://docs.crowdsec.net/docs/log_processor/data_sources/docker/",
    },
    Consumer {
        name: "ofelia",
        matches: &["mcuadros/ofelia", "netresearch/ofelia"],
        allow: &["CONTAINERS", "EVENTS", "EXEC"],
        swarm_allow: &[],
        post: true,
        full_access: false,
        endpoints: &[DockerHost],
        why: "Reads job labels from containers (`daemon --docker`) and runs `job-exec` jobs by exec \
              into running containers. `job-run` jobs create containers and pull images \
              (CONTAINERS_WRITE, IMAGES_WRITE): not granted; the report says so.",
        source: "https://github.com/mcuadros/ofelia/issues/110",
    },
    Consumer {
        name: "docker-volume-backup",
        matches: &["offen/docker-volume-backup"],
        allow: &["CONTAINERS", "INFO", "STOP", "START"],
        swarm_allow: &["SERVICES", "TASKS", "NODES"],
        post: true,
        full_access: false,
        endpoints: &[DockerHost],
        why: "Reads /info and lists containers; stops and restarts containers labelled \
              stop-during-backup. Exec labels need EXEC and swarm service restarts need \
              SERVICES_WRITE: not granted here.",
        source: "https://offen.github.io/docker-volume-backup/how-tos/use-custom-docker-host.html",
    },
    Consumer {
        name: "metricbeat",
        matches: &["beats/metricbeat", "elastic/metricbeat"],
        allow: &["CONTAINERS", "INFO", "IMAGES", "EVENTS"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[ConfigFile {
            file: "metricbeat.yml (docker module)",
            key: "hosts",
        }],
        why: "The docker module's metricsets read containers and their stats (container, cpu, \
              diskio, memory, network, healthcheck), /info, images and events. Host metrics still \
              need the host's /proc and /sys mounts.",
        source: "https://www.elastic.co/docs/reference/beats/metricbeat/metricbeat-module-docker",
    },
    Consumer {
        name: "filebeat",
        matches: &["beats/filebeat", "elastic/filebeat"],
        allow: &["CONTAINERS", "EVENTS"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[ConfigFile {
            file: "filebeat.yml (add_docker_metadata, docker autodiscover)",
            key: "host",
        }],
        why: "add_docker_metadata and docker autodiscover list and inspect containers and follow \
              events; the log files themselves are read from /var/lib/docker/containers.",
        source: "https://www.elastic.co/docs/reference/beats/filebeat/add-docker-metadata",
    },
    Consumer {
        name: "cadvisor",
        matches: &["cadvisor/cadvisor", "google/cadvisor"],
        allow: &["CONTAINERS", "INFO", "IMAGES"],
        swarm_allow: &[],
        post: false,
        full_access: false,
        endpoints: &[Flag("--docker"), Flag("-docker")],
        why: "Reads container metadata, engine info and images through the API (`--docker`, \
              default unix:///var/run/docker.sock); its metrics come from the host's /sys, /var/lib/docker \
              and / mounts, which stay. It usually mounts all of /var/run, which holds the socket.",
        source: "https://github.com/google/cadvisor/blob/master/docs/runtime_options.md",
    },
    Consumer {
        name: "drone-runner-docker",
        matches: &["drone/drone-runner-docker", "drone/agent"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[DockerHost],
        why: "Runs every pipeline step as a container it creates, with networks and volumes it \
              creates: it needs the whole API.",
        source: "https://docs.drone.io/runner/docker/overview/",
    },
    Consumer {
        name: "woodpecker-agent",
        matches: &["woodpeckerci/woodpecker-agent"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[DockerHost],
        why: "The docker backend runs each step in a container it creates, with its own networks \
              and volumes: the whole API.",
        source: "https://woodpecker-ci.org/docs/administration/configuration/backends/docker",
    },
    Consumer {
        name: "gitlab-runner",
        matches: &["gitlab/gitlab-runner"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[
            ConfigFile {
                file: "config.toml",
                key: "[runners.docker] host",
            },
            DockerHost,
        ],
        why: "The docker executor creates job, service and helper containers, volumes and \
              networks, and pulls images: the whole API.",
        source: "https://docs.gitlab.com/runner/configuration/advanced-configuration/#the-runnersdocker-section",
    },
    Consumer {
        name: "act_runner",
        matches: &["gitea/act_runner"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[
            DockerHost,
            ConfigFile {
                file: "config.yaml",
                key: "container.docker_host",
            },
        ],
        why: "Runs Gitea Actions jobs in containers it creates (and can hand the socket to jobs): \
              the whole API.",
        source: "https://docs.gitea.com/usage/actions/act-runner",
    },
    Consumer {
        name: "forgejo-runner",
        matches: &["forgejo/runner"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[
            DockerHost,
            ConfigFile {
                file: "config.yml",
                key: "container.docker_host",
            },
        ],
        why: "Runs Forgejo Actions jobs in containers it creates: the whole API. Forgejo's own \
              docs recommend a separate docker-in-docker daemon instead of the host's socket.",
        source: "https://forgejo.org/docs/latest/admin/actions/docker-access/",
    },
    Consumer {
        name: "gzctf",
        matches: &["gztime/gzctf"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[ConfigFile {
            file: "appsettings.json",
            key: "ContainerProvider.DockerConfig.Uri",
        }],
        why: "Creates, starts and removes a challenge container per team: creating containers is \
              root-equivalent, so a proxy adds little; a separate (rootless or dind) engine is \
              the fix.",
        source: "https://github.com/GZTimeWalker/GZCTF",
    },
    Consumer {
        name: "openruntimes-executor",
        matches: &["openruntimes/executor"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[Fixed],
        why: "Appwrite's function executor builds and runs a runtime container per function: \
              the whole API.",
        source: "https://github.com/open-runtimes/executor",
    },
    Consumer {
        name: "dockge",
        matches: &["louislam/dockge"],
        allow: &[],
        swarm_allow: &[],
        post: true,
        full_access: true,
        endpoints: &[Fixed],
        why: "Runs `docker compose` for the stacks it manages: the whole API.",
        source: "https://github.com/louislam/dockge#readme",
    },
];

/// The consumer whose `matches` contains this repository (registry, `library/` and tag already
/// stripped by the caller; compared case-insensitively).
pub fn lookup(repository: &str) -> Option<&'static Consumer> {
    let r = repository.trim().to_ascii_lowercase();
    CONSUMERS.iter().find(|c| c.matches.contains(&r.as_str()))
}

/// A command-line flag that carries the engine endpoint.
#[derive(Debug)]
pub struct FlagRewrite {
    /// [`Consumer::name`].
    pub consumer: &'static str,
    pub flag: &'static str,
    /// Whether the program matches flag names case-insensitively (Traefik does).
    pub ignore_case: bool,
    /// When the flag is absent: add it if some argument starts with this (Traefik: the provider
    /// is enabled on the command line, so static configuration is CLI and must get the endpoint
    /// there); `""` adds it always; `None` never (an environment variable does the job).
    pub add_when: Option<&'static str>,
}

/// Known endpoint flags. Values are replaced in both `--flag=value` and `--flag value` forms.
pub const FLAG_REWRITES: &[FlagRewrite] = &[
    FlagRewrite {
        consumer: "traefik",
        flag: "--providers.docker.endpoint",
        ignore_case: true,
        add_when: Some("--providers.docker"),
    },
    FlagRewrite {
        consumer: "traefik",
        flag: "--providers.swarm.endpoint",
        ignore_case: true,
        add_when: Some("--providers.swarm"),
    },
    FlagRewrite {
        consumer: "traefik",
        flag: "--docker.endpoint",
        ignore_case: true,
        add_when: None,
    },
    FlagRewrite {
        consumer: "docker-gen",
        flag: "-endpoint",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "docker-gen",
        flag: "--endpoint",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "watchtower",
        flag: "--host",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "watchtower",
        flag: "-H",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "portainer",
        flag: "-H",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "portainer",
        flag: "--host",
        ignore_case: false,
        add_when: None,
    },
    FlagRewrite {
        consumer: "cadvisor",
        flag: "--docker",
        ignore_case: false,
        add_when: Some(""),
    },
    FlagRewrite {
        consumer: "cadvisor",
        flag: "-docker",
        ignore_case: false,
        add_when: None,
    },
];

fn flag_eq(f: &FlagRewrite, arg: &str) -> bool {
    if f.ignore_case {
        arg.eq_ignore_ascii_case(f.flag)
    } else {
        arg == f.flag
    }
}

fn flag_with_value(f: &FlagRewrite, arg: &str) -> bool {
    arg.len() > f.flag.len()
        && arg.is_char_boundary(f.flag.len())
        && flag_eq(f, &arg[..f.flag.len()])
        && arg.as_bytes()[f.flag.len()] == b'='
}

fn starts_with(arg: &str, prefix: &str, ignore_case: bool) -> bool {
    if ignore_case {
        arg.len() >= prefix.len()
            && arg.is_char_boundary(prefix.len())
            && arg[..prefix.len()].eq_ignore_ascii_case(prefix)
    } else {
        arg.starts_with(prefix)
    }
}

/// Rewrites the endpoint flags of `consumer` in a `command` given as its list of arguments:
/// `--flag=old` and `--flag old` get `url`; a flag whose [`FlagRewrite::add_when`] condition
/// holds is appended as `--flag=url`. `None` when nothing changes (no known flag for this
/// consumer, or none present and none to add): the caller then uses an environment variable.
pub fn endpoint_flag_rewrite(
    consumer: &Consumer,
    args: &[String],
    url: &str,
) -> Option<Vec<String>> {
    let flags: Vec<&FlagRewrite> = FLAG_REWRITES
        .iter()
        .filter(|f| f.consumer == consumer.name)
        .collect();
    if flags.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut changed = false;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if let Some(f) = flags.iter().find(|f| flag_with_value(f, arg)) {
            let flag = &arg[..f.flag.len()];
            let new = format!("{flag}={url}");
            changed |= new != *arg;
            out.push(new);
            i += 1;
        } else if flags.iter().any(|f| flag_eq(f, arg)) && i + 1 < args.len() {
            out.push(arg.clone());
            changed |= args[i + 1] != url;
            out.push(url.to_string());
            i += 2;
        } else {
            out.push(arg.clone());
            i += 1;
        }
    }
    for f in &flags {
        let Some(prefix) = f.add_when else { continue };
        // `-docker` and `--docker` are one flag to a Go program.
        let same =
            |g: &&&FlagRewrite| g.flag.trim_start_matches('-') == f.flag.trim_start_matches('-');
        let present = flags
            .iter()
            .filter(same)
            .any(|g| out.iter().any(|a| flag_eq(g, a) || flag_with_value(g, a)));
        let enabled =
            prefix.is_empty() || args.iter().any(|a| starts_with(a, prefix, f.ignore_case));
        if enabled && !present {
            out.push(format!("{}={url}", f.flag));
            changed = true;
        }
    }
    changed.then_some(out)
}

/// Section names that do not exist, in the order given (for validating user knowledge files).
pub fn unknown_sections<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    names.into_iter().filter(|n| section(n).is_none()).collect()
}

/// One regular expression per method for a set of sections, [`baseline`] included: paths in
/// [`SECTIONS`] order, duplicates removed, behind [`API_VERSION_PREFIX`]. The proxy anchors
/// them (`^...$`) itself. Unknown section names are an error.
pub fn allowlist<'a>(
    sections: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(Method, String)>, String> {
    let mut wanted: Vec<&str> = baseline().to_vec();
    let mut unknown = Vec::new();
    for name in sections {
        if section(name).is_none() {
            unknown.push(name.to_string());
        } else if !wanted.contains(&name) {
            wanted.push(name);
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "unknown socket-proxy section(s): {}",
            unknown.join(", ")
        ));
    }
    let mut out = Vec::new();
    for method in Method::ALL {
        let mut paths: Vec<&str> = Vec::new();
        for s in SECTIONS.iter().filter(|s| wanted.contains(&s.name)) {
            for (m, p) in s.rules {
                if *m == method && !paths.contains(p) {
                    paths.push(p);
                }
            }
        }
        if !paths.is_empty() {
            out.push((method, format!("{API_VERSION_PREFIX}({})", paths.join("|"))));
        }
    }
    Ok(out)
}

/// The proxy's full `environment`: [`ProxyImage::env_defaults`], `SP_ALLOWFROM` = the client
/// service names (comma-separated; the proxy resolves them on every request, so start order
/// does not matter), and `SP_ALLOW_<METHOD>` for the union of the clients' sections. Without
/// clients the proxy only accepts 127.0.0.1, i.e. nobody.
pub fn proxy_environment<'a>(
    clients: &[&str],
    sections: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, String> {
    let mut env: Vec<(String, String)> = PROXY
        .env_defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for c in clients {
        if !names.contains(c) {
            names.push(c);
        }
    }
    if !names.is_empty() {
        env.push((PROXY.allowfrom_env.to_string(), names.join(",")));
    }
    for (method, regex) in allowlist(sections)? {
        env.push((
            format!("{}{}", PROXY.allow_env_prefix, method.as_str()),
            regex,
        ));
    }
    Ok(env)
}

/// Per-client allowlist labels (`socket-proxy.allow.get=...`), for the proxy's per-container
/// mode: it applies them to the labelled container only when the proxy runs with
/// `SP_PROXYCONTAINERNAME` set to its own container name. The default emission does not use
/// this mode (see `docs/socket-proxy.md`).
pub fn consumer_labels<'a>(
    sections: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, String> {
    Ok(allowlist(sections)?
        .into_iter()
        .map(|(m, r)| {
            (
                format!("{}{}", PROXY.label_prefix, m.as_str().to_ascii_lowercase()),
                r,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    /// Whether the proxy would let `method path` through, given its anchored expressions.
    fn allows(list: &[(Method, String)], method: Method, path: &str) -> bool {
        list.iter()
            .any(|(m, r)| *m == method && Regex::new(&format!("^{r}$")).unwrap().is_match(path))
    }

    #[test]
    fn lookup_finds_the_names_it_maps() {
        let cases = [
            ("traefik", "traefik"),
            ("nginxproxy/nginx-proxy", "nginx-proxy"),
            ("jwilder/nginx-proxy", "nginx-proxy"),
            ("nginxproxy/docker-gen", "docker-gen"),
            ("jwilder/docker-gen", "docker-gen"),
            ("nginxproxy/acme-companion", "acme-companion"),
            ("portainer/portainer", "portainer"),
            ("portainer/portainer-ce", "portainer"),
            ("portainer/agent", "portainer-agent"),
            ("containrrr/watchtower", "watchtower"),
            ("nickfedor/watchtower", "watchtower"),
            ("amir20/dozzle", "dozzle"),
            ("gethomepage/homepage", "homepage"),
            ("willfarrell/autoheal", "autoheal"),
            ("louislam/uptime-kuma", "uptime-kuma"),
            ("crazymax/diun", "diun"),
            ("crowdsecurity/crowdsec", "crowdsec"),
            ("drone/drone-runner-docker", "drone-runner-docker"),
            ("drone/agent", "drone-runner-docker"),
            ("woodpeckerci/woodpecker-agent", "woodpecker-agent"),
            ("gitlab/gitlab-runner", "gitlab-runner"),
            ("gitea/act_runner", "act_runner"),
            ("forgejo/runner", "forgejo-runner"),
            ("mcuadros/ofelia", "ofelia"),
            ("offen/docker-volume-backup", "docker-volume-backup"),
            ("beats/metricbeat", "metricbeat"),
            ("beats/filebeat", "filebeat"),
            ("cadvisor/cadvisor", "cadvisor"),
            ("gztime/gzctf", "gzctf"),
            ("louislam/dockge", "dockge"),
        ];
        for (repo, name) in cases {
            assert_eq!(lookup(repo).map(|c| c.name), Some(name), "{repo}");
        }
        assert_eq!(lookup("Traefik").map(|c| c.name), Some("traefik"));
        assert!(lookup("postgres").is_none());
        // The caller strips registries and tags; lookup does not guess.
        assert!(lookup("docker.io/library/traefik:v3.7").is_none());
        assert!(lookup("traefik/whoami").is_none());
    }

    #[test]
    fn lookup_agrees_with_the_reference_splitter() {
        let cases = [
            ("traefik:v3.7", "traefik"),
            ("docker.io/library/traefik:2.6", "traefik"),
            ("ghcr.io/gethomepage/homepage:latest", "homepage"),
            ("lscr.io/linuxserver/socket-proxy:latest", ""),
            ("code.forgejo.org/forgejo/runner:9", "forgejo-runner"),
            ("docker.elastic.co/beats/metricbeat:8.15.0", "metricbeat"),
            ("gcr.io/cadvisor/cadvisor:v0.49.1", "cadvisor"),
            ("ghcr.io/nickfedor/watchtower", "watchtower"),
            ("docker.io/gitea/act_runner:nightly", "act_runner"),
        ];
        for (image, name) in cases {
            let (repo, _) = crate::knowledge::split_reference(image).unwrap();
            assert_eq!(lookup(&repo).map(|c| c.name).unwrap_or(""), name, "{image}");
        }
    }

    #[test]
    fn every_consumer_is_sourced_and_consistent() {
        let mut names = Vec::new();
        let mut matches = Vec::new();
        for c in CONSUMERS {
            assert!(c.source.starts_with("https://"), "{}: source", c.name);
            assert!(!c.why.is_empty(), "{}: why", c.name);
            assert!(!c.matches.is_empty(), "{}: matches", c.name);
            assert!(!c.endpoints.is_empty(), "{}: endpoints", c.name);
            assert!(!names.contains(&c.name), "{}: duplicate name", c.name);
            names.push(c.name);
            for m in c.matches {
                assert_eq!(*m, m.to_ascii_lowercase(), "{}: {m} lower case", c.name);
                assert!(!m.contains(':') && !m.starts_with("library/"), "{m}");
                assert!(!matches.contains(m), "{m} matched twice");
                matches.push(*m);
                assert!(!is_socket_proxy(m), "{m} is a proxy");
            }
            let all: Vec<&str> = c.allow.iter().chain(c.swarm_allow).copied().collect();
            assert!(
                unknown_sections(all.iter().copied()).is_empty(),
                "{}: unknown sections {:?}",
                c.name,
                unknown_sections(all.iter().copied())
            );
            if c.full_access {
                assert!(c.post, "{}: full access writes", c.name);
            } else {
                assert!(!c.allow.is_empty(), "{}: allows something", c.name);
                let writes = c.allow.iter().any(|n| section(n).unwrap().write);
                assert_eq!(c.post, writes, "{}: post matches its sections", c.name);
            }
        }
        for f in FLAG_REWRITES {
            let c = CONSUMERS.iter().find(|c| c.name == f.consumer);
            let c = c.unwrap_or_else(|| panic!("flag for unknown consumer {}", f.consumer));
            assert!(
                c.endpoints.contains(&Endpoint::Flag(f.flag)),
                "{}: {} listed as an endpoint",
                c.name,
                f.flag
            );
        }
    }

    #[test]
    fn sections_are_well_formed() {
        for s in SECTIONS {
            assert_eq!(s.name, s.name.to_ascii_uppercase());
            assert!(!s.rules.is_empty(), "{}", s.name);
            for (m, p) in s.rules {
                assert!(p.starts_with('/'), "{}: {p}", s.name);
                assert!(!p.contains('\\') && !p.contains('$'), "{}: {p}", s.name);
                Regex::new(p).unwrap();
                if !s.write {
                    assert!(matches!(m, Method::Get | Method::Head), "{}", s.name);
                }
            }
            if !s.write {
                continue;
            }
            assert!(
                s.rules
                    .iter()
                    .any(|(m, _)| !matches!(m, Method::Get | Method::Head)),
                "{}: a write section writes",
                s.name
            );
        }
    }

    #[test]
    fn read_sections_keep_files_and_stdin_out() {
        let reads: Vec<&str> = SECTIONS
            .iter()
            .filter(|s| !s.write)
            .map(|s| s.name)
            .collect();
        let list = allowlist(reads.iter().copied()).unwrap();
        assert!(
            list.iter()
                .all(|(m, _)| matches!(m, Method::Get | Method::Head))
        );
        for path in [
            "/containers/abc/archive",
            "/v1.47/containers/abc/export",
            "/containers/abc/attach",
            "/containers/abc/attach/ws",
            "/images/nginx/get",
            "/images/get",
        ] {
            assert!(!allows(&list, Method::Get, path), "{path}");
            assert!(!allows(&list, Method::Head, path), "{path}");
        }
    }

    #[test]
    fn traefik_gets_what_it_calls_and_nothing_more() {
        let traefik = lookup("traefik").unwrap();
        let list = allowlist(traefik.sections(false)).unwrap();
        assert!(allows(&list, Method::Head, "/_ping"));
        assert!(allows(&list, Method::Get, "/v1.51/_ping"));
        assert!(allows(&list, Method::Get, "/v1.24/version"));
        assert!(allows(&list, Method::Get, "/v1.47/containers/json"));
        assert!(allows(&list, Method::Get, "/containers/3f1c2a/json"));
        assert!(allows(&list, Method::Get, "/v1.47/events"));
        assert!(!allows(&list, Method::Get, "/v1.47/containers/3f1c2a/logs"));
        assert!(!allows(&list, Method::Get, "/v1.47/services"));
        assert!(!allows(&list, Method::Post, "/v1.47/containers/create"));
        assert!(!allows(&list, Method::Get, "/v1.47/containersx/json"));
        assert!(!list.iter().any(|(m, _)| *m == Method::Post));
        let swarm = allowlist(traefik.sections(true)).unwrap();
        assert!(allows(&swarm, Method::Get, "/v1.47/services"));
        assert!(allows(&swarm, Method::Get, "/v1.47/tasks"));
        assert!(allows(&swarm, Method::Get, "/v1.47/networks/abc"));
        assert!(!allows(&swarm, Method::Get, "/v1.47/swarm"));
    }

    #[test]
    fn autoheal_may_restart_but_not_create() {
        let autoheal = lookup("willfarrell/autoheal").unwrap();
        let list = allowlist(autoheal.sections(false)).unwrap();
        assert!(allows(&list, Method::Post, "/containers/abc/restart"));
        assert!(!allows(&list, Method::Post, "/containers/create"));
        assert!(!allows(&list, Method::Post, "/containers/abc/exec"));
        assert!(!allows(&list, Method::Delete, "/containers/abc"));
        assert!(!autoheal.root_equivalent());
        assert!(lookup("containrrr/watchtower").unwrap().root_equivalent());
    }

    #[test]
    fn allowlist_is_stable_and_rejects_unknown_names() {
        let a = allowlist(["EVENTS", "CONTAINERS"]).unwrap();
        let b = allowlist(["CONTAINERS", "EVENTS", "CONTAINERS", "PING"]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].0, Method::Get);
        assert_eq!(
            a[0].1,
            "(/v[0-9]+[.][0-9]+)?(/_ping|/version|/events|/containers/json|/containers/[^/]+/(json|top|stats|changes))"
        );
        assert_eq!(
            a[1],
            (
                Method::Head,
                "(/v[0-9]+[.][0-9]+)?(/_ping|/version)".to_string()
            )
        );
        assert_eq!(a.len(), 2);
        let err = allowlist(["CONTAINERS", "POST"]).unwrap_err();
        assert!(err.contains("POST"), "{err}");
    }

    #[test]
    fn proxy_environment_names_clients_and_methods() {
        let env =
            proxy_environment(&["traefik", "dozzle", "traefik"], ["CONTAINERS", "LOGS"]).unwrap();
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("SP_LISTENIP"), Some("0.0.0.0"));
        assert_eq!(get("SP_ALLOWFROM"), Some("traefik,dozzle"));
        assert!(
            get("SP_ALLOW_GET")
                .unwrap()
                .contains("/containers/[^/]+/logs")
        );
        assert!(get("SP_ALLOW_HEAD").is_some());
        assert!(get("SP_ALLOW_POST").is_none());
        let labels = consumer_labels(["RESTART"]).unwrap();
        assert!(
            labels
                .iter()
                .any(|(k, v)| k == "socket-proxy.allow.post" && v.contains("restart"))
        );
    }

    #[test]
    fn the_proxy_is_pinned_and_hardened() {
        assert!(PROXY.image.starts_with("wollomatic/socket-proxy:"));
        let tag = PROXY.image.rsplit(':').next().unwrap();
        assert!(tag.split('.').count() == 3 && tag.split('.').all(|p| p.parse::<u32>().is_ok()));
        const { assert!(PROXY.read_only) };
        assert_eq!(PROXY.cap_drop, ["ALL"]);
        assert!(PROXY.cap_add.is_empty());
        assert!(PROXY.security_opt.contains(&"no-new-privileges:true"));
        assert!(PROXY.socket_volume.ends_with(":ro"));
        assert!(PROXY.sources.iter().all(|s| s.starts_with("https://")));
        assert_eq!(proxy_url(), "tcp://docker-socket-proxy:2375");
        assert!(is_socket_proxy("linuxserver/socket-proxy"));
        assert!(is_socket_proxy("tecnativa/docker-socket-proxy"));
        assert!(is_socket_proxy("wollomatic/socket-proxy"));
        assert!(!is_socket_proxy("traefik"));
        for (k, _) in PROXY.env_defaults {
            assert!(k.starts_with("SP_"), "{k}");
        }
    }

    #[test]
    fn default_allow_is_read_only() {
        for n in default_allow().iter().chain(baseline()) {
            assert!(!section(n).unwrap().write, "{n}");
        }
        assert!(default_allow().contains(&"CONTAINERS"));
    }

    #[test]
    fn traefik_flags_are_rewritten_or_added() {
        let traefik = lookup("traefik").unwrap();
        let url = "tcp://docker-socket-proxy:2375";
        let cmd = args(&[
            "--providers.docker=true",
            "--providers.docker.endpoint=unix:///var/run/docker.sock",
        ]);
        assert_eq!(
            endpoint_flag_rewrite(traefik, &cmd, url).unwrap(),
            args(&[
                "--providers.docker=true",
                "--providers.docker.endpoint=tcp://docker-socket-proxy:2375"
            ])
        );
        let cmd = args(&[
            "--api.insecure=true",
            "--providers.docker",
            "--providers.docker.exposedbydefault=false",
        ]);
        assert_eq!(
            endpoint_flag_rewrite(traefik, &cmd, url)
                .unwrap()
                .last()
                .unwrap(),
            "--providers.docker.endpoint=tcp://docker-socket-proxy:2375"
        );
        let cmd = args(&[
            "--Providers.Docker.Endpoint",
            "unix:///var/run/docker.sock",
            "--providers.swarm=true",
        ]);
        let out = endpoint_flag_rewrite(traefik, &cmd, url).unwrap();
        assert_eq!(out[1], url);
        assert!(
            out.contains(&"--providers.swarm.endpoint=tcp://docker-socket-proxy:2375".to_string())
        );
        // No provider flag at all: static configuration is a file or the environment.
        assert_eq!(
            endpoint_flag_rewrite(
                traefik,
                &args(&["--configFile=/etc/traefik/traefik.yml"]),
                url
            ),
            None
        );
        // Already pointing at the proxy: nothing to do.
        let done = args(&[
            "--providers.docker=true",
            "--providers.docker.endpoint=tcp://docker-socket-proxy:2375",
        ]);
        assert_eq!(endpoint_flag_rewrite(traefik, &done, url), None);
    }

    #[test]
    fn other_flags_are_rewritten_only_when_present() {
        let url = "tcp://docker-socket-proxy:2375";
        let docker_gen = lookup("nginxproxy/docker-gen").unwrap();
        let cmd = args(&[
            "-notify-sighup",
            "nginx",
            "-watch",
            "-endpoint",
            "unix:///tmp/docker.sock",
            "/etc/docker-gen/templates/nginx.tmpl",
        ]);
        let out = endpoint_flag_rewrite(docker_gen, &cmd, url).unwrap();
        assert_eq!(out[4], url);
        assert_eq!(out.len(), cmd.len());
        assert_eq!(
            endpoint_flag_rewrite(docker_gen, &args(&["-watch", "/t.tmpl"]), url),
            None
        );
        let wt = lookup("containrrr/watchtower").unwrap();
        assert_eq!(
            endpoint_flag_rewrite(
                wt,
                &args(&["--cleanup", "-H", "unix:///var/run/docker.sock"]),
                url
            )
            .unwrap(),
            args(&["--cleanup", "-H", url])
        );
        let cadvisor = lookup("cadvisor/cadvisor").unwrap();
        assert_eq!(
            endpoint_flag_rewrite(cadvisor, &args(&["--housekeeping_interval=10s"]), url).unwrap(),
            args(&[
                "--housekeeping_interval=10s",
                "--docker=tcp://docker-socket-proxy:2375"
            ])
        );
        // `-docker` is the same Go flag as `--docker`: rewritten, not added twice.
        assert_eq!(
            endpoint_flag_rewrite(
                cadvisor,
                &args(&["-docker=unix:///var/run/docker.sock"]),
                url
            )
            .unwrap(),
            args(&["-docker=tcp://docker-socket-proxy:2375"])
        );
        // Consumers without flags: the caller sets an environment variable.
        assert_eq!(
            endpoint_flag_rewrite(
                lookup("amir20/dozzle").unwrap(),
                &args(&["--level", "info"]),
                url
            ),
            None
        );
    }
}
