import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import { listOf } from '../shared/schemas/common.js';
import {
  createUserSchema,
  grantLabAccessSchema,
  listUsersQuerySchema,
  updateUserSchema,
  userLabParamsSchema,
  userParamsSchema,
  userSchema,
} from '../shared/schemas/users.js';
import {
  assertMayReadUsers,
  assertMayWriteUsers,
  createLocalUser,
  findEditableUser,
  findVisibleUser,
  listVisibleUsers,
  removeLabAccess,
  setLabAccess,
  updateUserAs,
} from '../shared/users/manage-users.js';
import { userView } from '../shared/auth/user-view.js';

http({
  name: 'usersList',
  methods: ['GET'],
  route: 'users',
  access: 'signed-in',
  summary: 'Users the caller may see (Disabled ones with includeDisabled=true)',
  tags: ['users'],
  query: listUsersQuerySchema,
  response: listOf(userSchema),
  authorize: (input) => assertMayReadUsers(principalOf(input)),
  handler: async ({ query, ...facts }) => ({ body: await listVisibleUsers(principalOf(facts), query) }),
});

http({
  name: 'usersCreate',
  methods: ['POST'],
  route: 'users',
  access: 'signed-in',
  summary: 'Add a local user with a role at their primary lab (or company-wide)',
  tags: ['users'],
  body: createUserSchema,
  response: userSchema,
  successStatus: 201,
  authorize: (input) => assertMayWriteUsers(principalOf(input)),
  handler: async ({ body, ...facts }) => ({ status: 201, body: await createLocalUser(principalOf(facts), body, facts) }),
});

http({
  name: 'usersGet',
  methods: ['GET'],
  route: 'users/{username}',
  access: 'signed-in',
  summary: 'One user',
  tags: ['users'],
  params: userParamsSchema,
  response: userSchema,
  authorize: (input) => findVisibleUser(principalOf(input), input.params.username),
  handler: async ({ authorized }) => ({ body: userView(authorized.document) }),
});

http({
  name: 'usersUpdate',
  methods: ['PATCH'],
  route: 'users/{username}',
  access: 'signed-in',
  summary: 'Change names, primary lab, status (unlock), or set a temporary password',
  tags: ['users'],
  params: userParamsSchema,
  body: updateUserSchema,
  response: userSchema,
  authorize: (input) => findEditableUser(principalOf(input), input.params.username),
  handler: async ({ authorized, body, ...facts }) => ({ body: await updateUserAs(principalOf(facts), authorized.document, body, facts) }),
});

http({
  name: 'usersSetLabAccess',
  methods: ['PUT'],
  route: 'users/{username}/labs/{labId}',
  access: 'signed-in',
  summary: 'Give a user a role at a lab, or change the role they have there',
  tags: ['users'],
  params: userLabParamsSchema,
  body: grantLabAccessSchema,
  response: userSchema,
  authorize: (input) => findEditableUser(principalOf(input), input.params.username),
  handler: async ({ authorized, body, params, ...facts }) => ({
    body: await setLabAccess(principalOf(facts), authorized.document, params.labId, body.role, facts),
  }),
});

http({
  name: 'usersRemoveLabAccess',
  methods: ['DELETE'],
  route: 'users/{username}/labs/{labId}',
  access: 'signed-in',
  summary: "Take away a user's access to a lab (not their primary lab)",
  tags: ['users'],
  params: userLabParamsSchema,
  response: userSchema,
  authorize: (input) => findEditableUser(principalOf(input), input.params.username),
  handler: async ({ authorized, params, ...facts }) => ({
    body: await removeLabAccess(principalOf(facts), authorized.document, params.labId, facts),
  }),
});
