// Signing in and out. Only administrators get past requireAdmin().
import { ApiError, get, refreshSession, request, setAccessToken } from './api.js';

export const kNotAdmin = 'This account is not an administrator';

export const session = { user: null };

async function requireAdmin(user) {
  try {
    await get('/api/users/admin');
  } catch (error) {
    if (error.status === 403) {
      await logout();
      throw new ApiError(403, { message: kNotAdmin });
    }
    throw error;
  }
  session.user = { id: user.id, name: user.name, email: user.email };
}

export async function login(email, password) {
  const { body } = await request('POST', '/api/users/login', { json: { email, password }, auth: false });
  setAccessToken(body.accessToken);
  await requireAdmin(body);
}

// On page load: a refresh cookie from an earlier visit restores the session. false if none.
export async function restore() {
  try {
    await refreshSession();
  } catch (error) {
    if (error.status === 0) throw error;
    return false;
  }
  await requireAdmin(await get('/api/users/profile'));
  return true;
}

export async function logout() {
  try {
    await request('POST', '/api/users/logout', { auth: false });
  } catch {
    // the session ends in this tab whatever the server said
  }
  setAccessToken(null);
  session.user = null;
}
