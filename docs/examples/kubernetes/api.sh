# api METHOD PATH [JSON]: one request to the API server, as the kubeconfig's user would make it
api() {
  curl -s -o /dev/null -w "%{http_code} $1 $2\n" --cacert client.pem \
    -H "Authorization: Bearer s3cret" -H "Content-Type: application/json" \
    -X "$1" "https://127.0.0.1:8443$2" ${3:+-d "$3"}
}
