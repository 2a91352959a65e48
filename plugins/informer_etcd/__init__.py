"""Built-in trio-informer plugin: etcd (work in progress)."""
