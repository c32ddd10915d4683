// The route-limits custom resource's function, deployed inline (its template's Code.ZipFile, comment
// lines stripped): it sets this stack's per-route throttling on the HTTP API stage of the jobs stack,
// which CloudFormation can't (route settings naming a later stack's route fail with "Unable to find Route
// by key"). Only the runtime's AWS SDK, so nothing to bundle. route-limits.cjs builds the resources.
'use strict';

// Lambda's Node.js runtime ships the AWS SDK v3; required lazily so unit tests load the pure part alone.
const sdk = () => require('@aws-sdk/client-apigatewayv2');

/**
 * What one request asks of the stage: the limits to set, and the route keys whose limits go (those this
 * resource set before and no longer declares; all of its own on Delete). CloudFormation passes every
 * property as a string.
 */
function plan(event) {
  const limits = (properties) => properties?.Routes || {};
  const wanted = event.RequestType === 'Delete' ? {} : limits(event.ResourceProperties);
  const before =
    event.RequestType === 'Update'
      ? limits(event.OldResourceProperties)
      : event.RequestType === 'Delete'
        ? limits(event.ResourceProperties)
        : {};
  const set = {};
  for (const [routeKey, limit] of Object.entries(wanted)) {
    const rate = Number(limit.rate);
    const burst = Number(limit.burst);
    if (!(rate > 0) || !(burst > 0) || !Number.isInteger(burst))
      throw new Error(`${routeKey}: rate and burst must be positive (burst a whole number)`);
    set[routeKey] = { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst };
  }
  const remove = Object.keys(before).filter((routeKey) => !(routeKey in wanted));
  return { set, remove };
}

// The stacks after jobs deploy in parallel and update the one stage: a concurrent update is a conflict.
async function withRetries(call) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = ['ConflictException', 'TooManyRequestsException'].includes(error.name);
      if (!retryable || attempt >= 8) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 250 * 2 ** attempt));
    }
  }
}

async function apply(event, client) {
  const { ApiId, Stage } = event.ResourceProperties;
  const { set, remove } = plan(event);
  const { UpdateStageCommand, DeleteRouteSettingsCommand } = sdk();
  // UpdateStage merges route settings by key: other stacks' routes keep theirs.
  if (Object.keys(set).length > 0)
    await withRetries(() =>
      client.send(new UpdateStageCommand({ ApiId, StageName: Stage, RouteSettings: set })),
    );
  for (const RouteKey of remove)
    await withRetries(() =>
      client.send(new DeleteRouteSettingsCommand({ ApiId, StageName: Stage, RouteKey })),
    ).catch((error) => {
      if (error.name !== 'NotFoundException') throw error;
    });
  return { set: Object.keys(set), removed: remove };
}

async function respond(event, status, reason, data) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId:
      event.PhysicalResourceId ||
      `${event.ResourceProperties.ApiId}/${event.ResourceProperties.Stage}/${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  // The response URL is a presigned S3 PUT signed without a content type.
  const answer = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!answer.ok) throw new Error(`CloudFormation response refused: ${answer.status}`);
}

exports.plan = plan;
exports.handler = async (event) => {
  try {
    const { ApiGatewayV2Client } = sdk();
    const data = await apply(event, new ApiGatewayV2Client({}));
    console.log(JSON.stringify({ requestType: event.RequestType, ...data }));
    await respond(event, 'SUCCESS', 'route limits applied', data);
  } catch (error) {
    console.error(error);
    // A failed Delete must not leave the stack stuck: the limits of a removed stack only outlive it.
    const status = event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED';
    await respond(event, status, String(error?.message).slice(0, 500), {});
  }
};
