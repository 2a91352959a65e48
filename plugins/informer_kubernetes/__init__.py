"""Built-in trio-informer plugin: kubernetes (work in progress)."""
