"""Wiring of the plugin manager, and the registry of what the loaded plugins offer."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from certkit import hookspecs
from certkit.cases import Suite
from certkit.device import DriverSpec
from certkit.errors import ConfigError
from certkit.reporting import ReportFormat
from certkit.run import LoadedPlugin

ENTRY_POINT_GROUP = "certkit"


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    loaded: list[LoadedPlugin]

    def drivers(self) -> dict[str, DriverSpec]:
        return _unique("URL scheme", ((d.scheme, d) for d in self._flat("certkit_drivers")))

    def suites(self) -> dict[str, Suite]:
        return _unique("suite", ((s.name, s) for s in self._flat("certkit_suites")))

    def report_formats(self) -> dict[str, ReportFormat]:
        return _unique("report format", ((f.name, f) for f in self._flat("certkit_report_formats")))

    def _flat(self, hook: str) -> list:
        return [item for items in getattr(self.manager.hook, hook)() for item in items]


def _unique(what: str, pairs: Iterable[tuple[str, object]]) -> dict:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise ConfigError(f"two plugins provide the {what} {key!r}")
        found[key] = value
    return found


def load_plugins(allow: Iterable[str] = ()) -> Plugins:
    """Add the specs, load the `certkit` entry points (only from `allow`ed
    distributions when given), and check that every hook implementation
    matches a spec."""
    allowed = set(allow)
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    loaded = []
    for entry_point in sorted(
        importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
    ):
        dist = entry_point.dist
        dist_name = dist.name if dist is not None else "unknown"
        if allowed and dist_name not in allowed:
            continue
        if manager.get_plugin(entry_point.name) is not None:
            continue  # the same distribution seen twice on sys.path
        try:
            plugin = entry_point.load()
        except Exception as exc:
            raise ConfigError(
                f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}"
            ) from None
        manager.register(plugin, name=entry_point.name)
        loaded.append(
            LoadedPlugin(
                name=entry_point.name,
                module=entry_point.value,
                distribution=dist_name,
                version=dist.version if dist is not None else "unknown",
            )
        )
    manager.check_pending()
    return Plugins(manager=manager, loaded=loaded)
