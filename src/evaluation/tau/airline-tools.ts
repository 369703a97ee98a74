import { pyIn, pyJsonDumps, pyKey, pyList, pyNum, pyStr, pyStrRepr, PythonException } from './python-compat.js';
import type { ToolImplementations } from './tool-types.js';

/**
 * The airline tools as upstream τ-bench implements them, including what they leave to the agent:
 * no tool checks the policy (fare rules, cancellation windows, bag allowances), seats are never
 * decremented, a cancellation only appends negative payments (refunds reach no balance), and
 * update_reservation_flights re-prices flights for the requested cabin without storing that cabin.
 * The environment hands each call its own copy of the arguments, so storing them as given (as
 * upstream does after its deepcopy) never shares them with the task or another trial.
 */

type Flight = Record<string, any>;

/** Upstream's booking ids, enough for the at most three bookings a task makes. */
const NEW_RESERVATION_IDS = ['HATHAT', 'HATHAU', 'HATHAV'];
/** Upstream's certificate ids, enough for the at most three certificates a task sends. */
const NEW_CERTIFICATE_IDS = ['certificate_3221322', 'certificate_3221323', 'certificate_3221324'];
/** The date the policy calls now; the booking time of every new reservation. */
const NOW = '2024-05-15T15:00:00';

const AIRPORTS: Record<string, string> = {
  SFO: 'San Francisco',
  JFK: 'New York',
  LAX: 'Los Angeles',
  ORD: 'Chicago',
  DFW: 'Dallas',
  DEN: 'Denver',
  SEA: 'Seattle',
  ATL: 'Atlanta',
  MIA: 'Miami',
  BOS: 'Boston',
  PHX: 'Phoenix',
  IAH: 'Houston',
  LAS: 'Las Vegas',
  MCO: 'Orlando',
  EWR: 'Newark',
  CLT: 'Charlotte',
  MSP: 'Minneapolis',
  DTW: 'Detroit',
  PHL: 'Philadelphia',
  LGA: 'LaGuardia',
};

/** Checks one requested segment can be sold in `cabin` to `passengers` people; its date record, or the error text. */
function bookableDate(flights: Record<string, Flight>, segment: Flight, cabin: unknown, passengers: number): Flight | string {
  const number = pyKey(segment, 'flight_number');
  if (!pyIn(flights, number)) return `Error: flight ${pyStr(number)} not found`;
  const flight = flights[number as string]!;
  const date = pyKey(segment, 'date');
  if (!pyIn(pyKey(flight, 'dates'), date)) return `Error: flight ${pyStr(number)} not found on date ${pyStr(date)}`;
  const onDate = flight.dates[date as string];
  if (onDate.status !== 'available') return `Error: flight ${pyStr(number)} not available on date ${pyStr(date)}`;
  if (pyKey<number>(pyKey(onDate, 'available_seats'), cabin) < passengers) return `Error: not enough seats on flight ${pyStr(number)}`;
  return onDate;
}

/** Fills a segment's price (for the cabin), origin and destination from the flight database. */
function price(segment: Flight, flight: Flight, onDate: Flight, cabin: unknown): void {
  segment.price = pyKey(pyKey(onDate, 'prices'), cabin);
  segment.origin = flight.origin;
  segment.destination = flight.destination;
}

/** A flight as the searches show it: its fields but `dates`, with the one date's status, seats and prices. */
function onDay(flight: Flight, date: string): Flight {
  const { dates, ...fields } = flight;
  return { ...fields, ...pyKey(dates, date) };
}

/** `int(text)` of a date's day, which Python parses leniently (spaces and a sign allowed). */
function pyInt(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new PythonException(`invalid literal for int() with base 10: ${pyStrRepr(text)}`);
  return Number.parseInt(text, 10);
}

/** `date[-2:]` */
function lastTwo(date: unknown): string {
  if (typeof date !== 'string') throw new PythonException(`'${typeof date === 'number' ? 'int' : 'NoneType'}' object is not subscriptable`);
  return date.slice(-2);
}

/** Where a changed reservation's price difference is paid or refunded: a gift card or credit card of the user. */
function changePaymentMethod(methods: Record<string, any>, paymentId: unknown, amount: number): Record<string, any> | string {
  if (!pyIn(methods, paymentId)) return 'Error: payment method not found';
  const method = methods[paymentId as string];
  if (method.source === 'certificate') return 'Error: certificate cannot be used to update reservation';
  if (method.source === 'gift_card' && method.amount < amount) return 'Error: gift card balance is not enough';
  return method;
}

export const AIRLINE_TOOLS: ToolImplementations = {
  book_reservation(db, args) {
    const { user_id, cabin, insurance } = args;
    const users = db.users!;
    const reservations = db.reservations!;
    if (!pyIn(users, user_id)) return 'Error: user not found';
    const user = users[user_id as string];
    const reservationId = NEW_RESERVATION_IDS.find((id) => !pyIn(reservations, id)) ?? NEW_RESERVATION_IDS.at(-1)!;
    const passengers = pyList(args.passengers, 'passengers');
    const payments = pyList<Record<string, unknown>>(args.payment_methods, 'payment_methods');
    const reservation = {
      reservation_id: reservationId,
      user_id,
      origin: args.origin,
      destination: args.destination,
      flight_type: args.flight_type,
      cabin,
      flights: pyList<Flight>(args.flights, 'flights'),
      passengers,
      payment_history: payments,
      created_at: NOW,
      total_baggages: args.total_baggages,
      nonfree_baggages: args.nonfree_baggages,
      insurance,
    };
    let total = 0;
    for (const segment of reservation.flights) {
      const onDate = bookableDate(db.flights!, segment, cabin, passengers.length);
      if (typeof onDate === 'string') return onDate;
      price(segment, db.flights![segment.flight_number]!, onDate, cabin);
      total += pyNum(segment.price, 'price') * passengers.length;
    }
    if (insurance === 'yes') total += 30 * passengers.length;
    total += 50 * pyNum(args.nonfree_baggages, 'nonfree_baggages');
    const methods = pyKey(user, 'payment_methods');
    for (const payment of payments) {
      const paymentId = pyKey(payment, 'payment_id');
      const amount = pyKey(payment, 'amount');
      if (!pyIn(methods, paymentId)) return `Error: payment method ${pyStr(paymentId)} not found`;
      const method = methods[paymentId as string];
      if ((method.source === 'gift_card' || method.source === 'certificate') && method.amount < pyNum(amount, 'amount')) {
        return `Error: not enough balance in payment method ${pyStr(paymentId)}`;
      }
    }
    const paid = payments.reduce((sum, payment) => sum + pyNum(payment.amount, 'amount'), 0);
    if (paid !== total) return `Error: payment amount does not add up, total price is ${pyStr(total)}, but paid ${pyStr(paid)}`;
    for (const payment of payments) {
      const method = pyKey(methods, payment.payment_id);
      if (method.source === 'gift_card') method.amount -= payment.amount as number;
      // A certificate is used up whole: the policy says its remainder is not refundable.
      else if (method.source === 'certificate') delete methods[payment.payment_id as string];
    }
    reservations[reservationId] = reservation;
    pyList(user.reservations, 'reservations').push(reservationId);
    return pyJsonDumps(reservation);
  },

  cancel_reservation(db, { reservation_id }) {
    if (!pyIn(db.reservations, reservation_id)) return 'Error: reservation not found';
    const reservation = db.reservations![reservation_id as string];
    const history = pyList<Record<string, any>>(reservation.payment_history, 'payment_history');
    const refunds = history.map((payment) => ({ payment_id: pyKey(payment, 'payment_id'), amount: -pyNum(pyKey(payment, 'amount'), 'amount') }));
    history.push(...refunds);
    reservation.status = 'cancelled';
    return pyJsonDumps(reservation);
  },

  get_reservation_details(db, { reservation_id }) {
    // Upstream's text for an unknown reservation, kept as the agent sees it.
    return pyIn(db.reservations, reservation_id) ? pyJsonDumps(db.reservations![reservation_id as string]) : 'Error: user not found';
  },

  get_user_details(db, { user_id }) {
    return pyIn(db.users, user_id) ? pyJsonDumps(db.users![user_id as string]) : 'Error: user not found';
  },

  list_all_airports: () => pyJsonDumps(AIRPORTS),

  search_direct_flight(db, { origin, destination, date }) {
    const results = [];
    for (const flight of Object.values(db.flights!)) {
      if (flight.origin === origin && flight.destination === destination && pyIn(flight.dates, date) && flight.dates[date as string].status === 'available') {
        results.push(onDay(flight, date as string));
      }
    }
    return pyJsonDumps(results);
  },

  search_onestop_flight(db, { origin, destination, date }) {
    const flights = Object.values(db.flights!);
    const results = [];
    for (const first of flights) {
      if (first.origin !== origin) continue;
      for (const second of flights) {
        if (second.destination !== destination || first.destination !== second.origin) continue;
        // Upstream's next day keeps no leading zero (2024-05-2); the database has no such early connections.
        const secondDate = String(first.scheduled_arrival_time_est).includes('+1') ? `2024-05-${pyInt(lastTwo(date)) + 1}` : date;
        if (first.scheduled_arrival_time_est > second.scheduled_departure_time_est) continue;
        if (!pyIn(first.dates, date) || !pyIn(second.dates, secondDate)) continue;
        if (first.dates[date as string].status !== 'available' || second.dates[secondDate as string].status !== 'available') continue;
        // Upstream shows the connection's seats and prices of the first flight's date, under the connection's date.
        results.push([
          { ...onDay(first, date as string), date },
          { ...onDay(second, date as string), date: secondDate },
        ]);
      }
    }
    return pyJsonDumps(results);
  },

  send_certificate(db, { user_id, amount }) {
    if (!pyIn(db.users, user_id)) return 'Error: user not found';
    const methods = pyKey(db.users![user_id as string], 'payment_methods');
    const id = NEW_CERTIFICATE_IDS.find((candidate) => !pyIn(methods, candidate));
    if (id === undefined) return 'Too many certificates';
    methods[id] = { source: 'certificate', amount, id };
    return `Certificate ${id} added to user ${pyStr(user_id)} with amount ${pyStr(amount)}.`;
  },

  update_reservation_baggages(db, { reservation_id, total_baggages, nonfree_baggages, payment_id }) {
    if (!pyIn(db.reservations, reservation_id)) return 'Error: reservation not found';
    const reservation = db.reservations![reservation_id as string];
    const total = 50 * Math.max(0, pyNum(nonfree_baggages, 'nonfree_baggages') - pyNum(reservation.nonfree_baggages, 'nonfree_baggages'));
    const method = changePaymentMethod(pyKey(pyKey(db.users, reservation.user_id), 'payment_methods'), payment_id, total);
    if (typeof method === 'string') return method;
    reservation.total_baggages = total_baggages;
    reservation.nonfree_baggages = nonfree_baggages;
    if (method.source === 'gift_card') method.amount -= total;
    if (total !== 0) reservation.payment_history.push({ payment_id, amount: total });
    return pyJsonDumps(reservation);
  },

  update_reservation_flights(db, { reservation_id, cabin, flights, payment_id }) {
    if (!pyIn(db.reservations, reservation_id)) return 'Error: reservation not found';
    const reservation = db.reservations![reservation_id as string];
    const passengers = pyList(reservation.passengers, 'passengers').length;
    const current = pyList<Flight>(reservation.flights, 'flights');
    const segments = pyList<Flight>(flights, 'flights');
    let total = 0;
    for (const segment of segments) {
      // A segment kept in the same cabin keeps the price it was bought at.
      const kept = current.find((f) => f.flight_number === pyKey(segment, 'flight_number') && f.date === pyKey(segment, 'date') && cabin === reservation.cabin);
      if (kept !== undefined) {
        total += kept.price * passengers;
        segment.price = kept.price;
        segment.origin = kept.origin;
        segment.destination = kept.destination;
        continue;
      }
      const onDate = bookableDate(db.flights!, segment, cabin, passengers);
      if (typeof onDate === 'string') return onDate;
      price(segment, db.flights![segment.flight_number]!, onDate, cabin);
      total += pyNum(segment.price, 'price') * passengers;
    }
    total -= current.reduce((sum, f) => sum + pyNum(f.price, 'price'), 0) * passengers;
    const method = changePaymentMethod(pyKey(pyKey(db.users, reservation.user_id), 'payment_methods'), payment_id, total);
    if (typeof method === 'string') return method;
    if (method.source === 'gift_card') method.amount -= total;
    reservation.flights = segments;
    if (total !== 0) reservation.payment_history.push({ payment_id, amount: total });
    return pyJsonDumps(reservation);
  },

  update_reservation_passengers(db, { reservation_id, passengers }) {
    if (!pyIn(db.reservations, reservation_id)) return 'Error: reservation not found';
    const reservation = db.reservations![reservation_id as string];
    if (pyList(passengers, 'passengers').length !== pyList(reservation.passengers, 'passengers').length) return 'Error: number of passengers does not match';
    reservation.passengers = passengers;
    return pyJsonDumps(reservation);
  },
};
