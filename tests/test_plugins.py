"""Plugins: built-ins load through the entry points, and a profile can restrict them."""

from __future__ import annotations

from pathlib import Path

from certkit.plugins import load_plugins
from helpers import run_cli


def test_builtins_load_through_the_entry_point_group_with_versions() -> None:
    plugins = load_plugins()
    names = {plugin.name for plugin in plugins.loaded}
    assert {"emulator", "gmssl", "kat", "reports"} <= names
    assert all(plugin.distribution == "certkit" and plugin.version for plugin in plugins.loaded
               if plugin.name in {"emulator", "kat"})
    assert {"emulator", "gmssl"} <= set(plugins.drivers())
    assert {"html", "md", "junit", "json"} <= set(plugins.report_formats())


def test_a_profile_that_allows_no_installed_distribution_loads_nothing(tmp_path: Path) -> None:
    profile = tmp_path / "locked.toml"
    profile.write_text('name = "locked"\nsuites = ["kat"]\n[plugins]\nallow = ["vendor-x"]\n')
    assert load_plugins(["vendor-x"]).loaded == []
    result = run_cli("run", "--profile", str(profile), "--out", str(tmp_path / "o"))
    assert result.returncode == 3
    assert "suite 'kat', which no loaded plugin provides" in result.stderr
