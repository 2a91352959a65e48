"""Built-in trio-informer plugin: http (work in progress)."""
