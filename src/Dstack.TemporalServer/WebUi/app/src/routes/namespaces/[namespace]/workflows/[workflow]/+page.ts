import { error, redirect } from '@sveltejs/kit';

import { fetchWorkflowForRunId } from '@temporalio/ui/services/workflow-service';

import type { PageLoad } from './$types';

// A workflow ID without a run ID opens the latest run, as on the official UI.
export const load: PageLoad = async ({ url, params, parent, fetch }) => {
  await parent();
  const { runId } = await fetchWorkflowForRunId({ namespace: params.namespace, workflowId: params.workflow }, fetch);
  if (!runId) {
    error(404, `Workflow ${params.workflow} not found`);
  }

  redirect(302, `${url.pathname}/${runId}`);
};
