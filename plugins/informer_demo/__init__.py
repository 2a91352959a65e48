"""Built-in trio-informer plugin: demo (work in progress)."""
