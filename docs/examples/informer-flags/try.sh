FLAGS=http://127.0.0.1:8080/apis/flags.example.com/v1/namespaces/shop/flags

# create two flags
curl -s -o /dev/null -X POST $FLAGS -H 'Content-Type: application/json' \
  -d '{"metadata": {"name": "dark-mode"}, "spec": {"enabled": true, "owner": "web"}}'
curl -s -o /dev/null -X POST $FLAGS -H 'Content-Type: application/json' \
  -d '{"metadata": {"name": "new-checkout"}, "spec": {"enabled": false, "owner": "payments"}}'

# switch one on, the other off
curl -s -o /dev/null -X PUT $FLAGS/new-checkout -H 'Content-Type: application/json' \
  -d '{"metadata": {"name": "new-checkout"}, "spec": {"enabled": true, "owner": "payments", "rolloutPercent": 10}}'
curl -s -o /dev/null -X PUT $FLAGS/dark-mode -H 'Content-Type: application/json' \
  -d '{"metadata": {"name": "dark-mode"}, "spec": {"enabled": false, "owner": "web"}}'

# and delete one
curl -s -o /dev/null -X DELETE $FLAGS/new-checkout
