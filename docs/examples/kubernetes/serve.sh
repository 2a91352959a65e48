python -m trustme
informer-run serve --port 8443 --tls-cert server.pem --tls-key server.key --token s3cret \
  --no-demo --resource configmaps --resource deployments.apps --resource widgets.example.com
