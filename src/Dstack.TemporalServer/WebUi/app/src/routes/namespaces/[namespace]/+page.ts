import { fetchNamespace } from '@temporalio/ui/services/namespaces-service';

import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) => {
  const { settings } = await parent();
  return { namespace: await fetchNamespace(params.namespace, settings) };
};
