import { describe, expect, it } from 'vitest';
import { CLIPBOARD_WRITE, permissionGranted, type PermissionAsk } from '../../electron/main/permissions.js';

/** The one permission the app grants ("Copy command" needs it), and to whom; everything else stays denied. */
const dashboardRequest: PermissionAsk = {
  permission: CLIPBOARD_WRITE,
  fromDashboard: true,
  isMainFrame: true,
  requestingUrl: 'app://queuectl/index.html#/jobs/abc',
};
const dashboardCheck: PermissionAsk = {
  permission: CLIPBOARD_WRITE,
  fromDashboard: true,
  isMainFrame: true,
  requestingOrigin: 'app://queuectl',
};

describe('web permissions', () => {
  it('grants clipboard-sanitized-write to the dashboard\'s top frame on app://queuectl, in the request and the check handler', () => {
    expect(CLIPBOARD_WRITE).toBe('clipboard-sanitized-write');
    expect(permissionGranted(dashboardRequest)).toBe(true);
    expect(permissionGranted(dashboardCheck)).toBe(true);
    expect(permissionGranted({ ...dashboardCheck, requestingUrl: 'app://queuectl/index.html' })).toBe(true);
  });

  it('refuses it to any other webContents, a subframe, another origin, or an ask that says nowhere', () => {
    expect(permissionGranted({ ...dashboardRequest, fromDashboard: false })).toBe(false);
    expect(permissionGranted({ ...dashboardRequest, isMainFrame: false })).toBe(false);
    expect(permissionGranted({ ...dashboardCheck, embeddingOrigin: 'app://queuectl' })).toBe(false);
    expect(permissionGranted({ ...dashboardRequest, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(permissionGranted({ ...dashboardRequest, requestingUrl: 'app://queuectl.evil/' })).toBe(false);
    expect(permissionGranted({ ...dashboardRequest, requestingUrl: 'app://user:pw@queuectl/' })).toBe(false);
    expect(permissionGranted({ ...dashboardCheck, requestingOrigin: 'file://' })).toBe(false);
    expect(permissionGranted({ ...dashboardCheck, requestingOrigin: '' })).toBe(false);
    // Both given: both must be the app's.
    expect(permissionGranted({ ...dashboardCheck, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(permissionGranted({ permission: CLIPBOARD_WRITE, fromDashboard: true, isMainFrame: true })).toBe(false);
  });

  it('refuses every other permission, even to the dashboard (reading the clipboard included)', () => {
    for (const permission of ['clipboard-read', 'notifications', 'media', 'geolocation', 'openExternal', 'fullscreen', 'unknown']) {
      expect(permissionGranted({ ...dashboardRequest, permission })).toBe(false);
      expect(permissionGranted({ ...dashboardCheck, permission })).toBe(false);
    }
  });
});
