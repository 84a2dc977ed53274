export { parseAuthorizationHeader, type Credentials } from './authorizationHeader.ts';
export { TenantService, type Caller, type CreatedTenant } from './tenantService.ts';
