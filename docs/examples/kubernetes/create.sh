. ./api.sh
api POST /api/v1/namespaces/shop/configmaps \
  '{"metadata": {"name": "frontend-config", "labels": {"app": "frontend"}}, "data": {"theme": "dark"}}'
api POST /api/v1/namespaces/shop/configmaps \
  '{"metadata": {"name": "billing-config", "labels": {"app": "billing"}}, "data": {"currency": "EUR"}}'
api POST /api/v1/namespaces/shop/configmaps \
  '{"metadata": {"name": "frontend-flags", "labels": {"app": "frontend"},
    "managedFields": [{"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1"}]},
    "data": {"beta": "on"}}'
api POST /apis/apps/v1/namespaces/shop/deployments \
  '{"metadata": {"name": "frontend", "labels": {"app": "frontend"}}, "spec": {"replicas": 3}}'
api POST /apis/example.com/v1/namespaces/shop/widgets \
  '{"metadata": {"name": "gizmo"}, "spec": {"size": "large"}}'
