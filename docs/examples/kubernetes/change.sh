. ./api.sh
# change one, move one into the selection (a new label), delete one
api PUT /api/v1/namespaces/shop/configmaps/frontend-config \
  '{"metadata": {"name": "frontend-config", "labels": {"app": "frontend"}}, "data": {"theme": "light"}}'
api PUT /api/v1/namespaces/shop/configmaps/billing-config \
  '{"metadata": {"name": "billing-config", "labels": {"app": "frontend"}}, "data": {"currency": "EUR"}}'
api DELETE /api/v1/namespaces/shop/configmaps/frontend-flags
