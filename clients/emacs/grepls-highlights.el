;;; grepls-highlights.el --- grepls's matches painted on screen, not as diagnostics  -*- lexical-binding: t -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))

;;; Commentary:

;; Loaded after `grepls', this makes grepls's matches highlights, drawn for the lines on screen.
;; eglot tells grepls it pulls diagnostics and never pulls, so grepls publishes nothing and
;; flymake reads nothing: after each change, and when a window scrolls or grows, the lines in
;; view are asked for (`grepls.matchesInLines', every match, uncapped) and painted as overlays, a
;; face per pattern (`grepls-search', then `grepls-pattern-1' to `-4' for kept patterns in the
;; server's order); a scroll asks for a window's height more on each side, so the next page is
;; drawn already.  The mode line counts each pattern's matches in the buffer (`grepls-status').
;;
;; Why: flymake handles every diagnostic of a publish again after each keystroke (tens of
;; milliseconds at 1,000 matches in a large file, seconds with twenty patterns); the lines on
;; screen cost the same whatever the file's size.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'grepls)

(defface grepls-search '((t :inherit lazy-highlight)) "grepls's search pattern." :group 'grepls)
(defface grepls-pattern-1 '((((background dark)) :background "#5f5f00")
                            (t :background "#ffef9f")) "grepls's first kept pattern."
  :group 'grepls)
(defface grepls-pattern-2 '((((background dark)) :background "#00465f")
                            (t :background "#b4dcff")) "grepls's second kept pattern."
  :group 'grepls)
(defface grepls-pattern-3 '((((background dark)) :background "#005f2f")
                            (t :background "#c8f5c8")) "grepls's third kept pattern."
  :group 'grepls)
(defface grepls-pattern-4 '((((background dark)) :background "#5f0037")
                            (t :background "#ffc0e0")) "grepls's fourth kept pattern."
  :group 'grepls)
(defun grepls--faces (counts)
  "((PATTERN-ID . FACE) ...) for the patterns of COUNTS.
COUNTS, from a `grepls.matchesInLines' answer, lists every pattern in
force in the server's order (settings' patterns, then added ones):
`grepls-search' for the search pattern, and `grepls-pattern-1' to `-4'
in turn for the kept ones, whatever was kept or removed before."
  (let ((kept 0))
    (mapcar (lambda (count)
              (let ((id (plist-get count :id)))
                (cons id (if (equal id "search") 'grepls-search
                           (prog1 (intern (format "grepls-pattern-%d" (1+ (mod kept 4))))
                             (setq kept (1+ kept)))))))
            counts)))

(cl-defmethod eglot-client-capabilities :around (server)
  (let ((capabilities (cl-call-next-method)))
    (when (grepls--server-p server)
      (plist-put (plist-get capabilities :textDocument) :diagnostic '(:dynamicRegistration :json-false))
      (plist-put (plist-get capabilities :workspace) :diagnostics '(:refreshSupport t)))
    capabilities))

(cl-defmethod eglot-handle-request
  (server (_method (eql workspace/diagnostic/refresh)) &rest _)
  "The patterns changed: draw every buffer of SERVER again.
A buffer that cannot be drawn is said and the others are drawn still."
  (dolist (buffer (eglot--managed-buffers server))
    (with-current-buffer buffer
      (with-demoted-errors "grepls: cannot draw: %S" (grepls--draw nil t))))
  nil)

(defun grepls--draw (&optional window margin)
  "Ask grepls for the matches on the lines WINDOW shows.
Without WINDOW, each window on this buffer.  With MARGIN, a window's
height more above and below: a scroll then brings drawn lines into view."
  (let ((server (eglot-current-server)))
    (when (and server (grepls--file) (grepls--server-p server))
      (grepls--send-changes)  ; the request must follow the change
      (dolist (window (if window (list window) (get-buffer-window-list nil nil t)))
        ;; One window that cannot be drawn leaves the others drawn.
        (with-demoted-errors "grepls: cannot draw a window: %S"
          (pcase-let* ((buffer (current-buffer))
                       (height (if margin (window-body-height window) 0))
                       (`(,first ,last) (grepls--window-lines window))
                       (first (max 0 (- first height)))
                       (last (+ last height)))
            (jsonrpc-async-request
             server :workspace/executeCommand
             (list :command "grepls.matchesInLines"
                   :arguments (vector (grepls--uri (grepls--file)) first last))
             :success-fn (apply-partially #'grepls--paint buffer first last))))))))

(defvar-local grepls-status nil
  "This buffer's count of each grepls pattern's matches, for the mode line.
As \"TODO 12, FIXME 3+\" (\"+\": grepls has counted only part of the
buffer, past maxMatchesPerDocument).")
(add-to-list 'mode-line-misc-info '(grepls-status (" " grepls-status " ")))

(defun grepls--paint (buffer first last result)
  "Replace the overlays of lines [FIRST, LAST) of BUFFER with RESULT's matches."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (when (eql (plist-get result :version) eglot--versioned-identifier)
        (let ((status (mapconcat (lambda (count)
                                   (format "%s %d%s" (plist-get count :pattern)
                                           (plist-get count :matches)
                                           (if (eq (plist-get count :complete) t) "" "+")))
                                 (plist-get result :counts) ", ")))
          (unless (equal status (or grepls-status ""))
            (setq grepls-status (and (> (length status) 0) status))
            (force-mode-line-update)))
        (save-excursion
          (save-restriction
            (widen)
            (goto-char (point-min))
            (forward-line first)
            (let ((from (point))
                  (faces (grepls--faces (plist-get result :counts))))
              (remove-overlays from (progn (forward-line (- last first)) (point)) 'grepls t)
              (cl-loop
               for (key spans) on (plist-get result :matches) by #'cddr
               for face = (cdr (assoc (substring (symbol-name key) 1) faces))
               do (dolist (overlay (grepls--span-overlays from first spans))
                    (overlay-put overlay 'grepls t)
                    (overlay-put overlay 'evaporate t)
                    (overlay-put overlay 'face face))))))))))

(defvar-local grepls--draw-timer nil
  "The timer that draws this buffer after its changes, while one is pending.")

(defvar-local grepls--changed-off-screen nil
  "Whether a change since the last draw fell outside every window on this buffer.")

(defun grepls--changed (beg end _length)
  "After a change from BEG to END: draw from a timer, once the change is complete.
One timer for all the changes made meanwhile (`replace-regexp' over a
buffer makes thousands).  A change off screen takes the paint of its
lines away at once (nobody sees it go; it would be stale when scrolled
to) and has the draw cover the pages above and below the windows again."
  (unless (cl-some (lambda (window)
                     (and (>= end (window-start window)) (<= beg (window-end window))))
                   (get-buffer-window-list nil nil t))
    (setq grepls--changed-off-screen t)
    (save-excursion
      (remove-overlays (progn (goto-char beg) (line-beginning-position))
                       (progn (goto-char end) (line-end-position))
                       'grepls t)))
  (grepls--draw-soon))

(defun grepls--draw-soon ()
  "Draw this buffer's windows from a timer, unless a draw is pending already."
  (unless grepls--draw-timer
    (setq grepls--draw-timer
          (run-at-time 0 nil #'grepls--draw-buffer (current-buffer)))))

(defun grepls--draw-buffer (buffer &optional margin)
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (let ((margin (or margin grepls--changed-off-screen)))
        ;; Taken before drawing: a draw that fails must not leave every later draw asking for
        ;; the pages around the windows.
        (setq grepls--draw-timer nil
              grepls--changed-off-screen nil)
        (grepls--draw nil margin)))))

(defun grepls--scrolled (window _start)
  (with-current-buffer (window-buffer window) (grepls--draw window t)))

(defun grepls--resized (window)
  "WINDOW changed size: if it grew, draw the lines it shows now.
A window that grows without scrolling (`C-x 1', `enlarge-window', a larger
frame) shows lines no draw asked for.  One draw from a timer for every
window changed meanwhile, the one a change may have set already; a window
that shrank shows nothing new and asks for nothing."
  (when (or (> (window-pixel-height window) (window-old-pixel-height window))
            (> (window-pixel-width window) (window-old-pixel-width window)))
    (with-current-buffer (window-buffer window) (grepls--draw-soon))))

(defun grepls--managed ()
  "Eglot began or stopped managing this buffer: paint it, or take the paint away.
The server is asked for only while eglot manages the buffer: asked as it
stops (a reconnect, a crashed server), eglot would hold on to the server
that is going, and the buffer would stay tied to it."
  (if (and (bound-and-true-p eglot--managed-mode)
           (grepls--server-p (eglot-current-server)))
      (progn
        (add-hook 'after-change-functions #'grepls--changed nil t)
        (add-hook 'window-scroll-functions #'grepls--scrolled nil t)
        (add-hook 'window-size-change-functions #'grepls--resized nil t)
        ;; After eglot's didOpen of this buffer.
        (run-at-time 0 nil #'grepls--draw-buffer (current-buffer) t))
    (remove-hook 'after-change-functions #'grepls--changed t)
    (remove-hook 'window-scroll-functions #'grepls--scrolled t)
    (remove-hook 'window-size-change-functions #'grepls--resized t)
    ;; No server keeps them right any more: none stay, nor the counts.
    (save-restriction
      (widen)
      (remove-overlays (point-min) (point-max) 'grepls t))
    (when grepls-status
      (setq grepls-status nil)
      (force-mode-line-update))))

(add-hook 'eglot-managed-mode-hook #'grepls--managed)

(provide 'grepls-highlights)
;;; grepls-highlights.el ends here
