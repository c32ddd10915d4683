// QDN's osls plugin (`@qdn/osls-plugin`, listed after serverless-iam-roles-per-function in every
// service's `plugins`, a workspace so osls resolves it by name).
// osls creates its shared execution role (IamRoleLambdaExecution) before per-function roles exist; once
// every function has its own, that role is attached to nothing, yet would still be created with rights
// to every function's log group. This removes it when nothing in the template refers to it any more.
'use strict';

const DEFAULT_ROLE = 'IamRoleLambdaExecution';

class DropUnusedDefaultRole {
  constructor(serverless) {
    this.hooks = {
      'before:package:finalize': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        if (!template.Resources[DEFAULT_ROLE]) return;
        const { [DEFAULT_ROLE]: _unused, ...others } = template.Resources;
        const referenced = JSON.stringify({ ...template, Resources: others }).includes(`"${DEFAULT_ROLE}"`);
        if (!referenced) delete template.Resources[DEFAULT_ROLE];
      },
    };
  }
}

module.exports = DropUnusedDefaultRole;
