"""pytest plugin for plugin authors (fixtures: embedded server, loaded plugin manager). Filled in by the plugin-system work."""
