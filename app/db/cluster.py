"""The servers a desk names (one, or a primary and its standbys), each asked what it is: the primary, a standby, or
out of reach; and, from the primary, its standbys' replication and whether its commits wait for a synchronous one."""

from dataclasses import dataclass, field

import psycopg
from sqlalchemy.engine import make_url

from app.db.engine import conninfo, host_and_port
from app.domain.errors import first_line

_REPLICATION = (
    "SELECT application_name, state, sync_state, extract(epoch FROM replay_lag)"
    " FROM pg_stat_replication ORDER BY application_name"
)


@dataclass(frozen=True)
class Server:
    address: str  # host:port as the desk names it
    role: str  # "primary", "standby" or "out of reach"
    problem: str = ""


@dataclass(frozen=True)
class Standby:
    name: str  # its application_name (Patroni: the member's name)
    state: str  # streaming, catchup, ...
    sync_state: str  # sync, quorum, potential, async
    replay_lag_s: float | None  # None: nothing to replay lately, or not shown to this login


@dataclass(frozen=True)
class ClusterState:
    servers: list[Server]
    standbys: list[Standby] = field(default_factory=list)  # as the primary sees them
    synchronous_standby_names: str = ""  # empty: commits wait for no standby

    @property
    def primaries(self) -> list[Server]:
        return [server for server in self.servers if server.role == "primary"]


def addresses(url: str) -> list[tuple[str, str]]:
    """The (host, port) pairs a URL names, in order ("" for a default port)."""
    parsed = make_url(url)
    hosts = parsed.query.get("host")
    if isinstance(hosts, tuple):
        return [host_and_port(host) for host in hosts]
    return [(parsed.host or hosts or "", str(parsed.port or ""))]


def cluster_state(url: str, connect_timeout_s: int) -> ClusterState:
    """Each server asked on a connection of its own (whatever it is: `target_session_attrs=any`)."""
    servers, standbys, synchronous = [], [], ""
    for host, port in addresses(url):
        address = f"{host}:{port}" if port else host
        try:
            with psycopg.connect(
                conninfo(url, host=host, port=port or None, target_session_attrs="any"),
                autocommit=True,
                connect_timeout=connect_timeout_s,
            ) as conn:
                in_recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
                if not in_recovery:
                    synchronous = conn.execute("SHOW synchronous_standby_names").fetchone()[0]
                    standbys = [Standby(*row) for row in conn.execute(_REPLICATION).fetchall()]
        except psycopg.Error as exc:
            servers.append(Server(address, "out of reach", first_line(exc)))
            continue
        servers.append(Server(address, "standby" if in_recovery else "primary"))
    return ClusterState(servers, standbys, synchronous)
