// What the order views share: the statuses, the moves the server allows, and the buyers seen in
// the admin list (GET /api/orders gives `user` as {_id, name, email}; one order may carry only the id).

export const kStatuses = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'];

// The moves shopd accepts: placed → paid → shipped → delivered; placed or paid → cancelled.
export const kMoves = {
  placed: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
};

export const kMoveLabels = {
  paid: 'Mark as paid',
  shipped: 'Mark as shipped',
  delivered: 'Mark as delivered',
  cancelled: 'Cancel order',
};

const buyers = new Map(); // user id → {_id, name, email}

export function rememberBuyer(user) {
  if (user && typeof user === 'object' && user._id) buyers.set(user._id, user);
}

export function buyerOf(order) {
  if (order.user && typeof order.user === 'object') return order.user;
  return buyers.get(order.user) ?? { _id: order.user };
}

export const itemCount = (order) => (order.items ?? []).reduce((n, item) => n + item.quantity, 0);
